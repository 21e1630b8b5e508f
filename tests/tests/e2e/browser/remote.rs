//! Remote care in a real browser: from the fleet to a kiosk's page, ask for its doctor report
//! (the real kiosk core answers it over the event stream) and see it arrive while the page
//! refreshes itself; a screenshot command shows its image.

use protocol::KioskId;

use super::{browser, click, shot, sign_in, text_of, wait_for};

#[tokio::test]
async fn a_kiosk_page_asks_and_shows_answers_in_a_real_browser() {
    let (server, admin, loaded) = tests::TestServer::demo().await;
    let (core, _dir) = tests::kiosk_core(&admin, loaded.branch).await;
    let (id, _) = core.identity().await.expect("identity").expect("enrolled");
    let kiosk = KioskId(id);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let engine = core.start(stopped);

    let profile = tempfile::tempdir().expect("profile");
    let (_driver, c) = browser(profile.path()).await;
    let base = server.url.as_str().trim_end_matches('/').to_owned();
    sign_in(
        &c,
        &base,
        sync_server::demo::ADMIN,
        sync_server::demo::PASSWORD,
    )
    .await;
    wait_for(&c, "div.tiles", "the dashboard").await;

    // The fleet links to the kiosk's page.
    c.goto(&format!("{base}/console/kiosks"))
        .await
        .expect("fleet");
    click(&c, &format!("a[href='/console/kiosks/{kiosk}']")).await;
    wait_for(
        &c,
        "input[name=kind][value=doctor]",
        "the remote care buttons",
    )
    .await;

    // Doctor: the page refreshes itself until the kiosk's report is there.
    click(&c, "form:has(input[value=doctor]) button").await;
    wait_for(&c, "pre.report", "the doctor report").await;
    let text = text_of(&c).await;
    assert!(
        text.contains(&format!("Enrolled as kiosk {kiosk}")),
        "{text}"
    );
    assert!(text.contains("完成"), "{text}");

    // A screenshot over a private screen: the kiosk's placeholder, shown as an image. (This
    // core has no window; the placeholder is what the app sends over a form.)
    let _ = stop.send(true);
    engine.await.expect("the engine stops");
    click(&c, "form:has(input[value=screenshot]) button").await;
    wait_for(&c, "p.ok", "the notice that it was sent").await;
    let (cmd, _) = sync_server::commands::list(
        &server.state,
        sync_server::orgs::Actor::Operator,
        kiosk.clone(),
        1,
    )
    .await
    .expect("list")
    .into_iter()
    .map(|c| (c.id, c.kind))
    .next()
    .expect("the command");
    core.send_privacy_placeholder(cmd).await;
    wait_for(&c, "img.screenshot", "the screenshot").await;
    let loaded: bool = c
        .execute(
            "const i = document.querySelector('img.screenshot'); return i.complete && i.naturalWidth > 0;",
            vec![],
        )
        .await
        .expect("script")
        .as_bool()
        .expect("a boolean");
    assert!(loaded, "the image loads through the console");
    shot(&c, "kiosk-remote-care").await;
    c.close().await.expect("browser closes");
}
