//! Each screen's main flow, the idle rules, both languages, the admin panel, and offline.

use kiosk::ui::Message;
use kiosk::ui::i18n::Lang;
use kiosk::ui::screen::{article, home, news};
use protocol::content::NewsCategory;
use protocol::usage::kind;

use super::harness::{Harness, PIN};

fn zh() -> &'static kiosk::ui::i18n::Strings {
    Lang::Zh.strings()
}

async fn ticks(h: &mut Harness, n: u64) {
    for _ in 0..n {
        h.send(Message::Tick(jiff::Timestamp::now())).await;
    }
}

#[tokio::test]
async fn home_news_article_and_back() {
    let mut h = Harness::demo().await;
    assert!(h.shows(zh().home_welcome));
    assert!(h.shows("信息资讯"), "the demo layout's tiles");
    assert!(
        h.shows(&h.app.status().org_name.clone()),
        "the branch in the status bar"
    );

    // Policies are a category of 信息资讯.
    h.tap("信息资讯").await;
    h.tap("政策法规").await;
    let policy = h.core.news(NewsCategory::Policy).await.expect("news");
    let first = &policy[0].1;
    assert!(
        h.shows(&first.title),
        "the list shows the newest pinned article"
    );
    h.tap(&first.title).await;
    assert!(
        h.shows(&format!("{} A", zh().news_text_size)),
        "the reader is open"
    );
    let with_link = policy.iter().find(|(_, n)| n.phone_link.is_some());
    if let Some((item, _)) = with_link {
        h.send(Message::News(news::Message::Open(item.id.clone())))
            .await;
        assert!(h.shows(zh().news_scan), "a phone link comes with a QR code");
    }
    h.send(Message::Article(article::Message::TextSize)).await;
    assert!(h.shows(&format!("{} A+", zh().news_text_size)));

    h.tap(&format!("‹ {}", zh().back)).await;
    h.tap(zh().home).await;
    assert!(h.shows(zh().home_welcome));
}

#[tokio::test]
async fn library_browse_list_search_and_detail() {
    let mut h = Harness::demo().await;
    h.tap("职工书屋").await;
    assert!(h.shows(zh().library_all));
    // A reading list from the demo pack.
    let lists = h.core.reading_lists().await.expect("lists");
    let (_, list) = &lists[0];
    h.tap(&list.title).await;
    let shelf = h.core.shelf();
    let first = shelf.card(&list.items[0]).expect("in the catalogue");
    assert!(h.shows(first.title), "the list's first book is on the grid");

    // Search by pinyin initials with the on-screen keyboard: 红楼梦 is "hlm".
    h.tap(zh().library_search).await;
    assert!(h.shows(zh().library_search_hint));
    for key in ["H", "L", "M"] {
        h.tap(key).await;
    }
    assert!(h.shows("红楼梦（全二册）"), "results follow the keys");
    h.tap("红楼梦（全二册）").await;
    assert!(h.shows(zh().library_location));
    assert!(h.shows("曹雪芹、高鹗"), "the author");
    assert!(h.shows("二楼书屋 B区1号架"), "where it stands");
    assert!(
        h.shows(zh().library_call_number) && h.shows("I242.4/N249"),
        "its call number"
    );

    // Nothing found is said, not left blank.
    h.tap(&format!("‹ {}", zh().back)).await;
    h.tap(zh().key_clear).await;
    h.tap(zh().key_digits).await;
    for key in ["0", "0", "0", "0", "0"] {
        h.tap(key).await;
    }
    assert!(h.shows(zh().library_no_results));
}

#[tokio::test]
async fn idle_goes_home_and_forgets_then_attracts_and_wakes() {
    let mut h = Harness::demo().await;
    h.tap("职工书屋").await;
    h.tap(zh().library_search).await;
    h.tap("H").await;
    assert!(!h.app.screens().is_empty());

    // Touches keep the session.
    ticks(&mut h, 29).await;
    h.send(Message::Touched).await;
    ticks(&mut h, 29).await;
    assert!(h.shows("H▏"), "still typing");

    // 30 s without a touch: home, and the search is gone.
    ticks(&mut h, 1).await;
    assert!(h.app.screens().is_empty());
    assert!(h.shows(zh().home_welcome));
    h.tap("职工书屋").await;
    h.tap(zh().library_search).await;
    assert!(h.shows(zh().library_search_hint), "a fresh, empty search");
    h.tap(zh().home).await;

    // 30 + 20 s: the attract carousel; a touch wakes it to home.
    ticks(&mut h, 50).await;
    assert!(h.shows(zh().attract_touch));
    h.tap(zh().attract_touch).await;
    assert!(h.shows(zh().home_welcome));

    // What these sessions counted (issue 19, part 5), in the store for the next heartbeat once
    // the kiosk is left alone: the tile, the screens, the one search that had a query, the
    // seconds in use and the slides shown, and nothing typed.
    ticks(&mut h, 60).await;
    let usage = h.core.usage_to_send().await.expect("read").expect("counts");
    let total = |kind: &str, key: &str| -> u64 {
        usage
            .counts
            .iter()
            .filter(|c| c.kind == kind && c.key == key)
            .map(|c| c.n)
            .sum()
    };
    assert_eq!(total(kind::TAP, "职工书屋"), 2, "{usage:?}");
    assert_eq!(total(kind::VIEW, "library"), 2);
    assert_eq!(total(kind::VIEW, "search"), 2);
    assert_eq!(total(kind::SEARCH, ""), 1);
    assert!(total(kind::SECONDS, "search") >= 29, "{usage:?}");
    assert!(usage.counts.iter().any(|c| c.kind == kind::SLIDE));
    assert!(
        usage.counts.iter().all(|c| !c.key.contains('H')),
        "{usage:?}"
    );
}

#[tokio::test]
async fn both_languages_render_every_screen() {
    let mut h = Harness::demo().await;
    for lang in [Lang::Zh, Lang::En] {
        if h.app.lang() != lang {
            h.send(Message::SwitchLanguage).await;
        }
        let s = lang.strings();
        assert!(h.shows(s.home_welcome), "{lang:?} home");
        h.draw();
        assert!(h.shows(s.switch_language));
        h.send(Message::Home(home::Message::Open(0))).await;
        assert!(
            h.shows(s.category(NewsCategory::UnionNews)),
            "{lang:?} news"
        );
        h.draw();
        let news = h.core.news(NewsCategory::UnionNews).await.expect("news");
        h.send(Message::News(news::Message::Open(news[0].0.id.clone())))
            .await;
        assert!(
            h.shows(&format!("{} A", s.news_text_size)),
            "{lang:?} article"
        );
        h.draw();
        h.send(Message::GoHome).await;
        let library = h
            .app
            .tiles()
            .iter()
            .position(|t| t.action == protocol::content::TileAction::Library)
            .expect("a library tile");
        h.send(Message::Home(home::Message::Open(library))).await;
        assert!(h.shows(s.library_all), "{lang:?} library");
        h.draw();
        let first = h.core.shelf().get(None, 0).expect("a book").content_id();
        h.send(Message::Library(kiosk::ui::screen::library::Message::Open(
            first,
        )))
        .await;
        assert!(h.shows(s.library_location), "{lang:?} book");
        h.draw();
        h.send(Message::Back).await;
        h.tap(s.library_search).await;
        assert!(h.shows(s.library_search_hint), "{lang:?} search");
        assert!(h.shows(s.key_space) && h.shows(s.key_done));
        h.draw();
        h.send(Message::GoHome).await;
        for _ in 0..5 {
            h.send(Message::CornerTap).await;
        }
        assert!(h.shows(s.admin_pin_prompt), "{lang:?} admin");
        h.draw();
        h.send(Message::GoHome).await;
        h.send(Message::Wake).await;
        let idle = h.app.idle_limit();
        ticks(&mut h, idle).await;
        assert!(h.shows(s.attract_touch), "{lang:?} attract");
        h.draw();
        h.send(Message::Wake).await;
    }
}

#[tokio::test]
async fn admin_panel_needs_the_pin_and_syncs_on_demand() {
    let mut h = Harness::demo().await;
    // Four taps are not enough; five within three seconds are.
    for _ in 0..4 {
        h.send(Message::CornerTap).await;
    }
    assert!(!h.shows(zh().admin_pin_prompt));
    h.send(Message::CornerTap).await;
    assert!(h.shows(zh().admin_pin_prompt));

    enter_pin(&mut h, "111111").await;
    let wrong = |left: u32| kiosk::ui::i18n::fill(zh().admin_pin_wrong, &[&left.to_string()]);
    assert!(h.shows(&wrong(4)), "wrong, and how many tries are left");
    enter_pin(&mut h, PIN).await;
    assert!(h.shows(zh().admin_sync_now), "the panel is open");
    assert!(h.shows("test"), "the version");
    assert!(h.shows(zh().admin_disk), "the free disk");
    assert!(
        !h.shows(zh().admin_disk_full),
        "no warning while there is room"
    );
    h.tap(zh().admin_sync_now).await;
    assert!(h.shows(zh().admin_sync_done));

    // Five wrong PINs lock the pad, and leaving the panel does not reset the count: the right
    // PIN is not even checked until the lock ends.
    h.tap(zh().admin_close).await;
    for _ in 0..5 {
        h.send(Message::CornerTap).await;
    }
    for left in (1..5).rev() {
        enter_pin(&mut h, "111111").await;
        assert!(h.shows(&wrong(left)));
    }
    enter_pin(&mut h, "111111").await;
    let locked = kiosk::ui::i18n::fill(zh().admin_pin_locked, &[&"1"]);
    assert!(h.shows(&locked), "locked for a minute");
    enter_pin(&mut h, PIN).await;
    assert!(
        h.shows(&locked) && !h.shows(zh().admin_sync_now),
        "still locked"
    );
}

async fn enter_pin(h: &mut Harness, pin: &str) {
    for d in pin.chars() {
        h.tap(&d.to_string()).await;
    }
    h.tap(zh().admin_enter).await;
}

#[tokio::test]
async fn offline_is_calm_and_content_stays() {
    let mut h = Harness::demo().await;
    // Its org disabled by an administrator, the kiosk keeps what it shows and says calmly that
    // updates are paused; enabled again, it syncs as before.
    let state = h.server.as_ref().expect("running").state.clone();
    let branch = state
        .db
        .read(|tx| Ok(tx.query_row("SELECT org_id FROM kiosks", [], |r| r.get(0))?))
        .await
        .map(protocol::OrgId)
        .expect("the kiosk's org");
    let operator = sync_server::orgs::Actor::Operator;
    sync_server::orgs::manage::set_disabled(&state, operator.clone(), branch, true)
        .await
        .expect("disabled");
    let paused = h.core.sync_now().await.expect_err("paused");
    assert!(paused.is_paused(), "{paused}");
    h.send(Message::Sync(kiosk::sync::SyncEvent::Failed {
        message: paused.to_string(),
        refused: false,
    }))
    .await;
    assert!(h.shows(zh().status_paused), "the status bar says so calmly");
    sync_server::orgs::manage::set_disabled(&state, operator, branch, false)
        .await
        .expect("enabled");
    let synced = h.core.sync_now().await.expect("syncs again");
    h.send(Message::Sync(kiosk::sync::SyncEvent::Synced(synced)))
        .await;
    assert!(!h.shows(zh().status_paused));

    let server = h.server.take().expect("running");
    let _stopped = server.stop_keeping_data().await;
    let failed = h.core.sync_now().await.expect_err("offline");
    h.send(Message::Sync(kiosk::sync::SyncEvent::Failed {
        message: failed.to_string(),
        refused: false,
    }))
    .await;
    let offline = h.app.status().offline_since.expect("offline since");
    let sentence = kiosk::ui::i18n::fill(
        zh().status_offline_since,
        &[&kiosk::ui::widgets::when(zh(), offline)],
    );
    assert!(h.shows(&sentence), "the status bar says so in a sentence");
    h.tap("职工书屋").await;
    assert!(h.shows(zh().library_all), "the cached library still opens");
}
