//! 名额预约 on the glass: the demo course's places left as of the last sync, a place booked
//! through the screens (the request form, the receipt), the outcome under 办理进度 from the
//! server, and the figures going down after the next sync; then a venue's week of slots in
//! English on a portrait screen, booked the same way.

use iced::Size;
use kiosk::ui::Message;
use kiosk::ui::i18n::{Lang, Strings};
use kiosk::ui::screen::Screen;
use protocol::content::hours::china_time;

use super::harness::Harness;

async fn keys(h: &mut Harness, typed: &str) {
    for c in typed.chars() {
        h.tap(&c.to_ascii_uppercase().to_string()).await;
    }
}

/// Letters and digits of a receipt code: switch to the digit layout for digits.
async fn type_code(h: &mut Harness, s: &Strings, code: &str) {
    for c in code.chars().filter(|c| *c != '-') {
        let label = c.to_string();
        if !h.shows(&label) {
            h.tap(if c.is_ascii_digit() {
                s.key_digits
            } else {
                s.key_letters
            })
            .await;
        }
        h.tap(&label).await;
    }
}

/// The name (pinyin, then the candidate), the phone and "member: yes"; checked, submitted, and
/// the receipt code read off the screen.
async fn fill_and_submit(h: &mut Harness, s: &Strings, phone: &str, yes: &str) -> String {
    h.tap(s.form_tap_to_type).await; // 姓名
    keys(h, "zhou").await;
    h.tap("周").await;
    h.tap(s.key_done).await;
    h.tap(s.form_tap_to_type).await; // 手机号码
    keys(h, phone).await;
    h.tap(s.key_done).await;
    h.tap(&format!("○ {yes}")).await;
    h.tap(s.form_check).await;
    assert!(h.shows(s.form_review_title), "no problems: the review");
    h.tap(s.form_submit).await;
    assert!(h.shows(s.receipt_title));
    let receipt = match h.app.screens().last() {
        Some(Screen::Form(form)) => form.receipt().map(str::to_owned),
        _ => None,
    }
    .expect("the receipt is on screen");
    h.draw();
    receipt
}

/// Sends the outbox and brings the server's figures back.
async fn sync(h: &mut Harness) {
    let first = h.core.sync_now().await.expect("synced");
    assert_eq!(first.delivered, 1, "the request reached the server");
    h.core.sync_now().await.expect("synced");
    h.send(Message::SyncStatus(h.core.status().await.expect("status")))
        .await;
}

/// 办理进度 for `receipt` and the phone's last four digits.
async fn check(h: &mut Harness, s: &Strings, tile: &str, receipt: &str, phone: &str) {
    h.tap(tile).await;
    type_code(h, s, receipt).await;
    h.tap(s.key_done).await;
    for c in phone[phone.len() - 4..].chars() {
        h.tap(&c.to_string()).await;
    }
    h.tap(s.key_done).await;
}

fn as_of(h: &Harness) -> String {
    let synced = h.app.status().last_synced.expect("synced");
    // On the status bar's clock (the system's time zone, China time on a kiosk).
    synced
        .to_zoned(jiff::tz::TimeZone::system())
        .strftime("%H:%M")
        .to_string()
}

#[tokio::test]
async fn a_place_is_booked_on_the_screens_in_both_languages_and_orientations() {
    let mut h = Harness::demo().await;
    let zh = Lang::Zh.strings();
    let en = Lang::En.strings();
    let course = "班组长能力提升培训班";

    // The list, by category, with what is left as of the last sync.
    h.tap(zh.tile_places).await;
    assert!(h.shows("培训课程") && h.shows("场地预约") && h.shows("咨询服务"));
    assert!(h.shows(course) && h.shows(zh.places_members_only));
    let three = format!("截至 {} 尚余 3 个名额", as_of(&h));
    assert!(h.shows(&three), "the first session's three places");
    assert!(h.shows(&format!("截至 {} 尚余 30 个名额", as_of(&h))));
    h.draw();

    // The session opens its request form with the session already chosen.
    h.tap(&three).await;
    assert!(h.shows(course) && h.shows("场次"));
    let first = h
        .core
        .offerings()
        .await
        .expect("offerings")
        .into_iter()
        .find(|l| l.offering.title == course)
        .and_then(|l| l.offering.slot("第一期"))
        .expect("the demo course's first session");
    let start = china_time(first.starts_at);
    let chosen = format!(
        "● {} {} 09:00–12:00 · {}",
        start.strftime(zh.date_format),
        zh.weekday(start.weekday()),
        first.place
    );
    assert!(h.shows(&chosen), "the session is chosen: {chosen}");
    let receipt = fill_and_submit(&mut h, zh, "13700002468", "是").await;
    sync(&mut h).await;
    h.tap(zh.receipt_done).await;

    check(&mut h, zh, "办理进度", &receipt, "13700002468").await;
    assert!(h.shows("已约上"), "the server gave a place");
    assert!(h.shows(course) && h.shows(zh.booking_cancel));
    h.draw();
    h.send(Message::GoHome).await;

    // The figures went down with the sync.
    h.tap(zh.tile_places).await;
    assert!(h.shows(&format!("截至 {} 尚余 2 个名额", as_of(&h))));
    h.send(Message::GoHome).await;

    // English, portrait: a venue's week of slots.
    h.size = Size::new(1080.0, 1920.0);
    h.send(Message::Resized(h.size)).await;
    h.send(Message::SwitchLanguage).await;
    h.tap("Book a place").await;
    assert!(h.shows("Courses") && h.shows("Venues") && h.shows("Consultations"));
    assert!(h.shows(&format!("2 places left as of {}", as_of(&h))));
    h.draw();
    // The venue comes before the consultation service: its button is the first.
    h.tap(en.places_see_times).await;
    let hint = format!("{} (as of {})", en.places_week_hint, as_of(&h));
    assert!(h.shows("职工活动室（乒乓球、健身）") && h.shows(&hint));
    h.draw();
    // Next week every day is still ahead: its first 09:00 is free.
    h.tap(en.places_next_week).await;
    h.tap("09:00").await;
    assert!(h.shows("Session"), "the request form");
    let receipt = fill_and_submit(&mut h, en, "13700001357", "Yes").await;
    sync(&mut h).await;
    h.tap(en.receipt_done).await;
    check(&mut h, en, "Check status", &receipt, "13700001357").await;
    assert!(h.shows("Confirmed"), "the server gave the slot");
    assert!(h.shows("职工活动室（乒乓球、健身）"));
    h.draw();
}
