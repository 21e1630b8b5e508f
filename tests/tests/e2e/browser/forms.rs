//! Building a form in a real browser and filling it in at a kiosk: a new form made field by
//! field in the builder (a name, a single choice, a phone for the status check, a text shown
//! only for one choice), its preview following what is typed, published, synced to a kiosk,
//! filled in and delivered there (with a tile on the kiosk's home screen, the builder's
//! default), and its progress found by the receipt and the phone's last
//! four digits. Screenshots of the builder at 1366×768 in both languages
//! (`target/console-screenshots/form-builder{,-fields,-problems,-publish,-en}.png`). Then a
//! course for 名额预约 published from the console's offering form (no JSON), which the kiosk
//! lists with its places left (`places-new{,-en,-venue}.png`, `places-list.png`).

use fantoccini::{Client, Locator};
use kiosk::core::StatusCheck;
use protocol::content::{ContentBody, HomeLayout, Tile, TileAction};
use protocol::submission::FormAnswers;
use serde_json::json;
use tests::{ADMIN, PASSWORD, TestServer};

use super::{browser, click, shot, sign_in, text_of, type_into, wait_for};

/// Adds a field of `kind` with the builder's own button and waits for its card.
async fn add(c: &Client, kind: &str, at: usize) {
    c.find(Locator::Css("select[name=new_type]"))
        .await
        .expect("the type to add")
        .select_by_value(kind)
        .await
        .expect("choose");
    click(c, "button[name=op][value=add]").await;
    wait_for(c, &format!("input[name='f.{at}.key']"), "the new field").await;
}

#[tokio::test]
async fn a_form_built_in_a_real_browser_is_filled_in_at_a_kiosk() {
    let server = TestServer::start().await;
    let province = server.init().await;
    let admin = server.login(ADMIN, PASSWORD).await;
    let home = ContentBody::HomeLayout(HomeLayout {
        tiles: vec![Tile {
            title: "职工书屋".to_owned(),
            title_en: None,
            icon: "book".to_owned(),
            action: TileAction::Library,
        }],
    });
    admin.publish(province, home).await.expect("a home layout");
    let (kiosk, _dir) = tests::kiosk_core(&admin, province).await;

    let profile = tempfile::tempdir().expect("profile");
    let (_driver, c) = browser(profile.path()).await;
    c.set_window_size(1366, 768).await.expect("window size");
    let base = server.url.as_str().trim_end_matches('/').to_owned();
    sign_in(&c, &base, ADMIN, PASSWORD).await;
    wait_for(&c, "div.tiles", "the dashboard").await;

    // From the list, a new form.
    c.goto(&format!("{base}/console/forms"))
        .await
        .expect("forms");
    click(&c, "a[href='/console/forms?new=1']").await;
    wait_for(&c, "#builder", "the builder").await;
    let title = "困难职工帮扶申请";
    type_into(&c, "input[name=title]", title).await;
    type_into(&c, "input[name='f.0.key']", "name").await;
    type_into(&c, "input[name='f.0.label']", "姓名").await;
    click(&c, "input[name='f.0.required']").await;

    add(&c, "single_choice", 1).await;
    type_into(&c, "input[name='f.1.key']", "kind").await;
    type_into(&c, "input[name='f.1.label']", "困难类型").await;
    type_into(
        &c,
        "textarea[name='f.1.options']",
        "ill | 因病\naccident | 意外事故",
    )
    .await;
    click(&c, "input[name='f.1.required']").await;

    add(&c, "phone", 2).await;
    type_into(&c, "input[name='f.2.key']", "phone").await;
    type_into(&c, "input[name='f.2.label']", "手机号码").await;
    click(&c, "input[name='f.2.required']").await;
    click(&c, "input[name=status_phone][value='2']").await;

    add(&c, "multiline", 3).await;
    type_into(&c, "input[name='f.3.label']", "病情说明").await;
    // A key used twice is shown at the field and above, with everything typed kept.
    type_into(&c, "input[name='f.3.key']", "kind").await;
    click(&c, "button.secondary[name=op][value=preview]").await;
    wait_for(&c, "#f3 ul.problems", "the problem at the field").await;
    let said = text_of(&c).await;
    assert!(
        said.contains("第 4 个字段：字段标识“kind”与前面的字段重复"),
        "{said}"
    );
    shot(&c, "form-builder-problems").await;
    type_into(&c, "input[name='f.3.key']", "story").await;
    // The condition offers the earlier fields once the page is drawn again.
    click(&c, "button.secondary[name=op][value=preview]").await;
    wait_for(&c, "#builder:not(:has(ul.problems))", "the problem fixed").await;
    wait_for(
        &c,
        "select[name='f.3.if_field'] option[value=kind]",
        "the condition's fields",
    )
    .await;
    c.find(Locator::Css("select[name='f.3.if_field']"))
        .await
        .expect("the condition")
        .select_by_value("kind")
        .await
        .expect("choose");
    type_into(&c, "input[name='f.3.if_equals']", "ill").await;

    // The preview follows the typing (the script), drawn as the kiosk draws it.
    let mut preview = String::new();
    for _ in 0..50 {
        preview = c
            .find(Locator::Css("#form-preview"))
            .await
            .expect("the preview")
            .text()
            .await
            .expect("text");
        if preview.contains("仅当“困难类型”为“因病”时显示") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        preview.contains("仅当“困难类型”为“因病”时显示"),
        "{preview}"
    );
    assert!(
        preview.contains("○ 意外事故") && preview.contains(title),
        "{preview}"
    );
    shot(&c, "form-builder-fields").await;
    c.execute(
        "document.querySelector('[name=home_tile]').scrollIntoView({block: 'center'})",
        Vec::new(),
    )
    .await
    .expect("scrolled to the publish button");
    shot(&c, "form-builder-publish").await;

    click(&c, "button[name=op][value=publish]").await;
    wait_for(&c, "p.ok", "published").await;
    let said = text_of(&c).await;
    assert!(
        said.contains("已发布") && said.contains("首页入口：有"),
        "{said}"
    );
    shot(&c, "form-builder").await;

    // The English builder, as the form now stands.
    let editing = c.current_url().await.expect("url").to_string();
    let editing = editing.split("&ok=").next().expect("the builder's address");
    c.goto(&format!("{base}/console/lang/en"))
        .await
        .expect("english");
    c.goto(editing).await.expect("the builder");
    wait_for(&c, "#builder", "the builder").await;
    assert!(text_of(&c).await.contains("Publish a new version"));
    shot(&c, "form-builder-en").await;

    // 名额预约: a course published from the console's form, without JSON.
    let new_course = format!("{base}/console/places/new?category=course");
    c.goto(&new_course).await.expect("the offering form");
    wait_for(&c, "form.offering", "the offering form").await;
    shot(&c, "places-new-en").await;
    c.goto(&format!("{base}/console/lang/zh"))
        .await
        .expect("chinese");
    c.goto(&format!("{base}/console/places/new?category=venue"))
        .await
        .expect("the venue form");
    wait_for(&c, "table.week", "the weekly slots").await;
    c.execute(
        "document.querySelector('table.week').scrollIntoView({block: 'center'})",
        Vec::new(),
    )
    .await
    .expect("scrolled to the week");
    shot(&c, "places-new-venue").await;
    c.goto(&new_course).await.expect("the offering form");
    wait_for(&c, "form.offering", "the offering form").await;
    let course = "职工心理健康讲座";
    type_into(&c, "input[name=title]", course).await;
    type_into(&c, "input[name=place]", "职工之家三楼").await;
    let day = (protocol::answers::china_date(jiff::Timestamp::now()) + jiff::ToSpan::days(10))
        .to_string();
    for (name, value) in [
        ("s.0.date", day.as_str()),
        ("s.0.start", "14:00"),
        ("s.0.end", "16:00"),
        ("s.0.capacity", "12"),
    ] {
        c.execute(
            "document.querySelector(`[name='${arguments[0]}']`).value = arguments[1]",
            vec![json!(name), json!(value)],
        )
        .await
        .expect("a session typed in");
    }
    c.execute(
        "document.querySelector('table.sessions').scrollIntoView({block: 'center'})",
        Vec::new(),
    )
    .await
    .expect("scrolled to the sessions");
    shot(&c, "places-new").await;
    click(&c, "button[name=op][value=save]").await;
    wait_for(&c, "p.ok", "published").await;
    let said = text_of(&c).await;
    assert!(said.contains("已发布") && said.contains(course), "{said}");
    shot(&c, "places-list").await;
    c.close().await.expect("browser closes");

    // The kiosk gets it with its places left.
    kiosk.sync_now().await.expect("sync");
    let listed = kiosk
        .offerings()
        .await
        .expect("offerings")
        .into_iter()
        .find(|l| l.offering.title == course)
        .expect("the kiosk has the new course");
    let session = listed
        .offering
        .slots(jiff::civil::Date::constant(2000, 1, 1), 0);
    assert_eq!(session.len(), 1, "{session:?}");
    assert_eq!(listed.left(&session[0]), 12);
    assert_eq!(
        protocol::places::when(session[0].starts_at),
        format!("{day} 14:00")
    );

    // At the kiosk: synced, filled in, delivered, and its progress found.
    kiosk.sync_now().await.expect("sync");
    let (item, def) = kiosk
        .forms()
        .await
        .expect("forms")
        .into_iter()
        .find(|(_, f)| f.title == title)
        .expect("the kiosk has the new form");
    let shown = kiosk.home_layout().await.expect("store").expect("a layout");
    assert!(
        shown.tiles.iter().any(|t| t.action
            == TileAction::Form {
                form_id: item.id.clone()
            }),
        "a home tile for the new form: {shown:?}"
    );
    assert_eq!(def.status_phone_key(), Some("phone"));
    let answers = [
        ("name", json!("张伟")),
        ("kind", json!("ill")),
        ("phone", json!("13700002468")),
        ("story", json!("腰椎手术后休养")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let saved = kiosk
        .submit(item.id.clone(), item.version, FormAnswers { answers })
        .await
        .expect("saved");
    assert_eq!(kiosk.sync_now().await.expect("delivered").delivered, 1);
    let found = kiosk
        .check_status(saved.receipt.clone(), "2468".into())
        .await;
    assert!(
        matches!(found, StatusCheck::Found(_)),
        "the phone marked in the builder checks progress: {found:?}"
    );
}
