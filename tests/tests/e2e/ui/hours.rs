//! Opening hours on the glass: the clock screen comes up at closing time once the kiosk is idle,
//! a touch wakes it, it returns after the idle time, holidays and special days count, it opens
//! in the morning, and sync goes on while it is closed. Time moves by `Tick`s at chosen moments.

use jiff::Timestamp;
use jiff::civil::{Date, date};
use kiosk::sync::SyncEvent;
use kiosk::ui::Message;
use kiosk::ui::i18n::Lang;
use protocol::ContentId;
use protocol::content::hours::{SpecialDay, TimeRange};
use protocol::content::{ContentBody, OpeningHours};
use protocol::staff::ContentRecord;
use tests::Staff;

use super::harness::{Harness, settings};

/// Monday 27 September 2027.
const MONDAY: Date = date(2027, 9, 27);
/// Thursday 30 September 2027: a holiday.
const HOLIDAY: Date = date(2027, 9, 30);
/// Saturday 2 October 2027: a working Saturday, 10:00 to 15:00.
const SATURDAY: Date = date(2027, 10, 2);

fn range(open: &str, close: &str) -> TimeRange {
    TimeRange {
        open: open.parse().expect("open"),
        close: close.parse().expect("close"),
    }
}

fn hours() -> OpeningHours {
    let mut week = vec![vec![range("09:00", "17:30")]; 5];
    week.extend([Vec::new(), Vec::new()]);
    OpeningHours {
        week,
        closed_dates: vec![HOLIDAY],
        special_days: vec![SpecialDay {
            date: SATURDAY,
            hours: vec![range("10:00", "15:00")],
        }],
    }
}

/// A moment in China time.
fn at(day: Date, hour: i8, minute: i8, second: i8) -> Timestamp {
    day.at(hour, minute, second, 0)
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .expect("a China time")
        .timestamp()
}

async fn tick(h: &mut Harness, now: Timestamp) {
    h.send(Message::Tick(now)).await;
}

/// `n` ticks, one a second from `from`.
async fn ticks(h: &mut Harness, from: Timestamp, n: i64) -> Timestamp {
    let mut now = from;
    for _ in 0..n {
        now += jiff::SignedDuration::from_secs(1);
        tick(h, now).await;
    }
    now
}

/// Publishes at the province (the kiosk's branch inherits it) and lets the kiosk sync, as the
/// running engine would, telling the app. Returns the item's id.
async fn publish_and_sync(h: &mut Harness, staff: &Staff, hours: OpeningHours) -> ContentId {
    let record = staff
        .publish(staff.org, ContentBody::OpeningHours(hours))
        .await
        .expect("published");
    sync(h).await;
    record.item.id
}

async fn sync(h: &mut Harness) {
    let summary = h.core.sync_now().await.expect("sync");
    h.send(Message::Sync(SyncEvent::Synced(summary))).await;
}

async fn admin(h: &Harness) -> Staff {
    h.server
        .as_ref()
        .expect("the demo server")
        .login(sync_server::demo::ADMIN, sync_server::demo::PASSWORD)
        .await
}

#[tokio::test]
async fn closes_when_idle_wakes_on_touch_and_opens_in_the_morning() {
    let (zh, en) = (Lang::Zh.strings(), Lang::En.strings());
    let idle_home = settings().idle_home as i64;
    let mut h = Harness::demo().await;
    let staff = admin(&h).await;
    tick(&mut h, at(MONDAY, 12, 0, 0)).await;
    assert!(!h.app.is_closed(), "no hours anywhere: always open");
    publish_and_sync(&mut h, &staff, hours()).await;

    // Someone is reading the news at closing time: nothing vanishes under them.
    tick(&mut h, at(MONDAY, 17, 29, 0)).await;
    h.tap("信息资讯").await;
    h.tap("政策法规").await;
    let reading = h.app.screens().len();
    assert_eq!(reading, 1);
    let mut now = ticks(&mut h, at(MONDAY, 17, 29, 59), idle_home - 1).await;
    assert!(now > at(MONDAY, 17, 30, 0), "past closing time");
    assert!(!h.app.is_closed(), "still in use");
    assert_eq!(h.app.screens().len(), reading, "the screen is kept");
    // Once idle as long as it takes to end a session, the clock comes up.
    now = ticks(&mut h, now, 1).await;
    assert!(h.app.is_closed());
    assert!(h.app.screens().is_empty(), "the session is gone");
    for line in [
        zh.closed_title,
        en.closed_title,
        "明天 09:00 开放",
        "Opens tomorrow at 09:00",
        zh.closed_touch,
        en.closed_touch,
    ] {
        assert!(h.shows(line), "{line:?} on the clock screen");
    }
    assert!(h.shows("17:30"), "the time, in China time");
    h.draw();

    // A touch wakes it to home; it stays up while idle for less than the idle time.
    h.tap(zh.closed_title).await;
    assert!(!h.app.is_closed());
    assert!(h.shows(zh.home_welcome));
    now = ticks(&mut h, now, idle_home - 1).await;
    assert!(!h.app.is_closed(), "awake for the idle time");
    h.tap("职工书屋").await;
    now = ticks(&mut h, now, idle_home - 1).await;
    assert!(!h.app.is_closed(), "each touch keeps it awake");
    ticks(&mut h, now, 1).await;
    assert!(h.app.is_closed(), "back to the clock");
    assert!(h.app.screens().is_empty());

    // Before nine on Tuesday it is still closed; at nine it opens by itself.
    let tuesday = MONDAY.tomorrow().expect("a date");
    tick(&mut h, at(tuesday, 8, 59, 59)).await;
    assert!(h.app.is_closed());
    assert!(h.shows("今天 09:00 开放"));
    tick(&mut h, at(tuesday, 9, 0, 0)).await;
    assert!(!h.app.is_closed(), "open in the morning");
    assert!(h.shows(zh.home_welcome));
}

#[tokio::test]
async fn holidays_special_days_and_sync_while_closed() {
    let (zh, en) = (Lang::Zh.strings(), Lang::En.strings());
    let mut h = Harness::demo().await;
    let staff = admin(&h).await;
    let id = publish_and_sync(&mut h, &staff, hours()).await;
    // Idle long since (the kiosk has been untouched): closing is immediate.
    ticks(&mut h, at(MONDAY, 7, 0, 0), settings().idle_home as i64).await;

    // A holiday Thursday at ten: closed, and it opens again on Friday.
    tick(&mut h, at(HOLIDAY, 10, 0, 0)).await;
    assert!(h.app.is_closed(), "closed on a holiday");
    assert!(h.shows("明天 09:00 开放") && h.shows("Opens tomorrow at 09:00"));

    // A working Saturday: open 10:00 to 15:00 only.
    tick(&mut h, at(SATURDAY, 9, 59, 0)).await;
    assert!(h.app.is_closed());
    assert!(h.shows("今天 10:00 开放"));
    tick(&mut h, at(SATURDAY, 10, 0, 0)).await;
    assert!(!h.app.is_closed(), "special hours");
    tick(&mut h, at(SATURDAY, 15, 0, 0)).await;
    assert!(h.app.is_closed(), "closes at the special closing time");
    // Sunday is closed: the week's hours again on Monday 4 October.
    assert!(h.shows("2027年10月4日  星期一 09:00 开放"));
    assert!(h.shows("Opens Oct 4, 2027  Monday at 09:00"));
    assert!(h.shows(zh.closed_title) && h.shows(en.closed_title));

    // While closed, staff open Saturday evening too: the kiosk syncs and opens.
    let mut later = hours();
    later.special_days[0].hours.push(range("18:00", "21:00"));
    let _: ContentRecord = staff
        .put(
            &format!("v1/staff/content/{id}"),
            &tests::write(staff.org, ContentBody::OpeningHours(later)),
        )
        .await
        .expect("replaced");
    sync(&mut h).await;
    tick(&mut h, at(SATURDAY, 17, 0, 0)).await;
    assert!(h.app.is_closed(), "still closed between the ranges");
    assert!(
        h.shows("今天 18:00 开放"),
        "the new hours arrived while closed"
    );
    tick(&mut h, at(SATURDAY, 18, 0, 0)).await;
    assert!(!h.app.is_closed());
}

#[tokio::test]
async fn a_blank_closed_screen_shows_nothing_and_wakes_on_a_tap() {
    let (zh, en) = (Lang::Zh.strings(), Lang::En.strings());
    let mut h = Harness::demo().await;
    // The same kiosk with `closed_screen = "blank"` in its config.
    let blank = kiosk::ui::Settings {
        closed_screen: kiosk::config::ClosedScreen::Blank,
        ..settings()
    };
    let (app, task) = kiosk::ui::App::new(h.core.clone(), blank);
    h.app = app;
    h.settle(task).await;
    h.send(Message::Resized(h.size)).await;
    let staff = admin(&h).await;
    publish_and_sync(&mut h, &staff, hours()).await;
    ticks(&mut h, at(MONDAY, 20, 0, 0), settings().idle_home as i64).await;
    assert!(h.app.is_closed());
    for line in [zh.closed_title, en.closed_title, "20:00", zh.home_welcome] {
        assert!(!h.shows(line), "{line:?} on a blank screen");
    }
    h.draw();
    let press = iced::mouse::Event::ButtonPressed(iced::mouse::Button::Left);
    let release = iced::mouse::Event::ButtonReleased(iced::mouse::Button::Left);
    let tap = h.inject_at(
        iced::Point::new(960.0, 540.0),
        vec![iced::Event::Mouse(press), iced::Event::Mouse(release)],
    );
    h.handle(tap).await;
    assert!(!h.app.is_closed(), "a tap anywhere wakes it");
    assert!(h.shows(zh.home_welcome));
}
