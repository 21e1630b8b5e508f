//! 名额预约 on the glass: the demo course's places left as of the last sync, a place booked
//! through the screens (the request form, the receipt), the outcome under 办理进度 on a second
//! kiosk's screens (another app over another enrolled core, same server), and the figures going
//! down after the next sync; then a venue's week of slots in English on a portrait screen, which
//! redraws when a sync brings a slot the other kiosk took, booked the same way.
//!
//! The shortest booking path is counted (taps, and keys typed on the on-screen keyboard) and
//! timed. With `PLACES_PACE=1` every tap waits 1.5 s and every key 0.25 s (4 characters a
//! second) before it lands, as a person would: the figure in BENCHMARKS.md ("Limited places").

use iced::Size;
use kiosk::sync::SyncEvent;
use kiosk::ui::Message;
use kiosk::ui::i18n::{Lang, Strings};
use kiosk::ui::screen::{Screen, places};
use protocol::content::hours::china_time;

use super::harness::Harness;

/// Taps and keys along the booking path, at a person's pace when `PLACES_PACE` is set.
#[derive(Default)]
struct Pace {
    taps: u32,
    keys: u32,
    human: bool,
}

impl Pace {
    fn new() -> Pace {
        Pace {
            human: std::env::var_os("PLACES_PACE").is_some(),
            ..Pace::default()
        }
    }

    async fn tap(&mut self, h: &mut Harness, label: &str) {
        self.taps += 1;
        if self.human {
            tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        }
        h.tap(label).await;
    }

    /// A key of the on-screen keyboard.
    async fn key(&mut self, h: &mut Harness, label: &str) {
        self.keys += 1;
        if self.human {
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
        h.tap(label).await;
    }
}

async fn keys(h: &mut Harness, pace: &mut Pace, typed: &str) {
    for c in typed.chars() {
        pace.key(h, &c.to_ascii_uppercase().to_string()).await;
    }
}

/// Letters and digits of a receipt code: switch to the digit layout for digits.
async fn type_code(h: &mut Harness, pace: &mut Pace, s: &Strings, code: &str) {
    for c in code.chars().filter(|c| *c != '-') {
        let label = c.to_string();
        if !h.shows(&label) {
            let layout = if c.is_ascii_digit() {
                s.key_digits
            } else {
                s.key_letters
            };
            pace.key(h, layout).await;
        }
        pace.key(h, &label).await;
    }
}

/// The name (pinyin, then the candidate), the phone and "member: yes"; checked, submitted, and
/// the receipt code read off the screen.
async fn fill_and_submit(
    h: &mut Harness,
    pace: &mut Pace,
    s: &Strings,
    phone: &str,
    yes: &str,
) -> String {
    pace.tap(h, s.form_tap_to_type).await; // 姓名
    keys(h, pace, "zhou").await;
    pace.key(h, "周").await;
    pace.tap(h, s.key_done).await;
    pace.tap(h, s.form_tap_to_type).await; // 手机号码
    keys(h, pace, phone).await;
    pace.tap(h, s.key_done).await;
    pace.tap(h, &format!("○ {yes}")).await;
    pace.tap(h, s.form_check).await;
    assert!(h.shows(s.form_review_title), "no problems: the review");
    pace.tap(h, s.form_submit).await;
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
async fn check(
    h: &mut Harness,
    pace: &mut Pace,
    s: &Strings,
    tile: &str,
    receipt: &str,
    phone: &str,
) {
    pace.tap(h, tile).await;
    type_code(h, pace, s, receipt).await;
    pace.tap(h, s.key_done).await;
    for c in phone[phone.len() - 4..].chars() {
        pace.key(h, &c.to_string()).await;
    }
    pace.tap(h, s.key_done).await;
}

/// Whether tapping the first `label` on screen asks for a slot (it is a button).
fn bookable(h: &Harness, label: &str) -> bool {
    h.messages_of_click(label).is_some_and(|m| {
        m.iter()
            .any(|m| matches!(m, Message::Places(places::Message::Choose(..))))
    })
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
    let mut other = h.another().await;
    let zh = Lang::Zh.strings();
    let en = Lang::En.strings();
    let course = "班组长能力提升培训班";

    // The list, by category, with what is left as of the last sync.
    let mut pace = Pace::new();
    let started = std::time::Instant::now();
    pace.tap(&mut h, zh.tile_places).await;
    assert!(h.shows("培训课程") && h.shows("场地预约") && h.shows("咨询服务"));
    assert!(h.shows(course) && h.shows(zh.places_members_only));
    let three = format!("截至 {} 尚余 3 个名额", as_of(&h));
    assert!(h.shows(&three), "the first session's three places");
    assert!(h.shows(&format!("截至 {} 尚余 30 个名额", as_of(&h))));

    // The session opens its request form with the session already chosen.
    pace.tap(&mut h, &three).await;
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
    let receipt = fill_and_submit(&mut h, &mut pace, zh, "13700002468", "是").await;
    let booked = started.elapsed();
    let (taps, typed) = (pace.taps, pace.keys);
    h.shot("places-receipt-zh");

    // The outcome, looked up on the other kiosk's screens once this one has delivered it.
    let looked = std::time::Instant::now();
    sync(&mut h).await;
    let mut lookup = Pace::new();
    check(
        &mut other,
        &mut lookup,
        zh,
        "办理进度",
        &receipt,
        "13700002468",
    )
    .await;
    assert!(other.shows("已约上"), "the server gave a place");
    assert!(other.shows(course) && other.shows(zh.booking_cancel));
    let outcome = looked.elapsed();
    other.shot("places-outcome-other-kiosk-zh");
    eprintln!(
        "places pace ({}): booked in {taps} taps and {typed} keys, {:.1} s to the receipt; \
         outcome on the other kiosk in {} taps and {} keys, {:.1} s later",
        if pace.human { "human" } else { "machine" },
        booked.as_secs_f64(),
        lookup.taps,
        lookup.keys,
        outcome.as_secs_f64()
    );
    h.tap(zh.receipt_done).await;

    // The figures went down with the sync.
    h.tap(zh.tile_places).await;
    assert!(h.shows(&format!("截至 {} 尚余 2 个名额", as_of(&h))));
    h.shot("places-list-zh");
    h.send(Message::GoHome).await;

    // English, portrait: a venue's week of slots.
    h.size = Size::new(1080.0, 1920.0);
    h.send(Message::Resized(h.size)).await;
    h.send(Message::SwitchLanguage).await;
    h.tap("Book a place").await;
    assert!(h.shows("Courses") && h.shows("Venues") && h.shows("Consultations"));
    assert!(h.shows(&format!("2 places left as of {}", as_of(&h))));
    h.shot("places-list-en-portrait");
    // The venue comes before the consultation service: its button is the first.
    h.tap(en.places_see_times).await;
    let hint = format!("{} (as of {})", en.places_week_hint, as_of(&h));
    assert!(h.shows("职工活动室（乒乓球、健身）") && h.shows(&hint));
    h.draw();
    // Next week every day is still ahead: its first slot, 09:00, is free...
    h.tap(en.places_next_week).await;
    assert!(bookable(&h, "09:00"));
    // ...until the other kiosk takes it; the week open here redraws with the next sync.
    let venue = other
        .core
        .offerings()
        .await
        .expect("offerings")
        .into_iter()
        .find(|l| l.offering.title == "职工活动室（乒乓球、健身）")
        .expect("the demo venue");
    let today = china_time(jiff::Timestamp::now()).date();
    let taken = venue.offering.slots(today + jiff::ToSpan::days(7), 7)[0].clone();
    let answers = protocol::places::BookingRequest {
        session: taken.key.clone(),
        name: "吴芳".to_owned(),
        phone: "13900001111".to_owned(),
        member: false,
    }
    .to_answers();
    other
        .core
        .submit(venue.item.id.clone(), venue.item.version, answers)
        .await
        .expect("saved on the other kiosk");
    assert_eq!(other.core.sync_now().await.expect("sent").delivered, 1);
    let summary = h.core.sync_now().await.expect("synced");
    h.send(Message::Sync(SyncEvent::Synced(summary))).await;
    assert!(
        !bookable(&h, "09:00"),
        "the slot the other kiosk took is no longer offered"
    );
    h.shot("places-week-en-portrait");
    h.tap("10:00").await;
    assert!(h.shows("Session"), "the request form");
    let receipt = fill_and_submit(&mut h, &mut Pace::default(), en, "13700001357", "Yes").await;
    sync(&mut h).await;
    h.tap(en.receipt_done).await;
    check(
        &mut h,
        &mut Pace::default(),
        en,
        "Check status",
        &receipt,
        "13700001357",
    )
    .await;
    assert!(h.shows("Confirmed"), "the server gave the slot");
    assert!(h.shows("职工活动室（乒乓球、健身）"));
    h.shot("places-outcome-en-portrait");
}
