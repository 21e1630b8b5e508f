//! The demo pack's limited places: a course that keeps a waiting list, a venue with a weekly
//! timetable, and a legal consultation service. Dates run from the day the demo is loaded (China
//! time), so a rerun on the same day changes nothing.

use super::upsert;
use crate::state::AppState;
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use protocol::content::hours::{ClockTime, TimeRange};
use protocol::places::{Eligibility, Offering, OfferingCategory, Schedule, Session, Timetable};
use protocol::{ContentBody, OrgId};

fn at(date: Date, hour: i8) -> anyhow::Result<Timestamp> {
    Ok(date
        .at(hour, 0, 0, 0)
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))?
        .timestamp())
}

fn ranges(pairs: &[(u8, u8, u8, u8)]) -> Vec<TimeRange> {
    pairs
        .iter()
        .filter_map(|&(h1, m1, h2, m2)| {
            Some(TimeRange {
                open: ClockTime::new(h1, m1)?,
                close: ClockTime::new(h2, m2)?,
            })
        })
        .collect()
}

/// Hour-long slots from `from` to `until` (hours).
fn hourly(from: u8, until: u8) -> Vec<TimeRange> {
    let pairs: Vec<(u8, u8, u8, u8)> = (from..until).map(|h| (h, 0, h + 1, 0)).collect();
    ranges(&pairs)
}

/// The three offerings, published at the root.
pub(super) async fn load(state: &AppState, root: OrgId) -> anyhow::Result<usize> {
    let today = protocol::answers::china_date(Timestamp::now());
    let week = |n: i64| today + (7 * n).days();
    let course = Offering {
        title: "班组长能力提升培训班".to_owned(),
        category: OfferingCategory::Course,
        description: "面向一线班组长：安全生产、沟通协调、劳动法基础。每期两个半天，名额有限，\
                      报满后可排队候补，有人取消时按排队先后递补。"
            .to_owned(),
        place: "市总工会职工服务中心三楼培训室".to_owned(),
        eligibility: Eligibility::MembersOnly,
        members_first: false,
        opens_at: None,
        closes_at: None,
        per_person: 1,
        waitlist: true,
        schedule: Schedule::Sessions {
            sessions: vec![
                Session {
                    key: "第一期".to_owned(),
                    starts_at: at(week(1), 9)?,
                    ends_at: at(week(1), 12)?,
                    place: String::new(),
                    capacity: 3,
                },
                Session {
                    key: "第二期".to_owned(),
                    starts_at: at(week(2), 9)?,
                    ends_at: at(week(2), 12)?,
                    place: String::new(),
                    capacity: 30,
                },
            ],
        },
    };
    let weekdays = hourly(9, 17);
    let venue = Offering {
        title: "职工活动室（乒乓球、健身）".to_owned(),
        category: OfferingCategory::Venue,
        description: "按小时预约，每人同时最多预约两个时段。法定节假日不开放。".to_owned(),
        place: "职工之家一楼活动室".to_owned(),
        eligibility: Eligibility::Everyone,
        members_first: false,
        opens_at: None,
        closes_at: None,
        per_person: 2,
        waitlist: false,
        schedule: Schedule::Timetable(Timetable {
            from: today,
            until: week(8),
            week: vec![
                weekdays.clone(),
                weekdays.clone(),
                weekdays.clone(),
                weekdays.clone(),
                weekdays,
                hourly(9, 12),
                Vec::new(),
            ],
            capacity: 1,
            closed: vec![Date::constant(2027, 1, 1)],
            special_days: Vec::new(),
        }),
    };
    let halves = ranges(&[
        (14, 0, 14, 30),
        (14, 30, 15, 0),
        (15, 0, 15, 30),
        (15, 30, 16, 0),
    ]);
    let legal = Offering {
        title: "职工法律咨询（律师面谈）".to_owned(),
        category: OfferingCategory::Consultation,
        description: "劳动合同、工伤、欠薪等问题，由工会法律顾问律师一对一解答，每次半小时。"
            .to_owned(),
        place: "职工服务中心二楼法律援助室".to_owned(),
        eligibility: Eligibility::Everyone,
        members_first: false,
        opens_at: None,
        closes_at: None,
        per_person: 1,
        waitlist: false,
        schedule: Schedule::Timetable(Timetable {
            from: today,
            until: week(8),
            week: vec![
                Vec::new(),
                halves.clone(),
                Vec::new(),
                halves,
                Vec::new(),
                Vec::new(),
                Vec::new(),
            ],
            capacity: 1,
            closed: Vec::new(),
            special_days: Vec::new(),
        }),
    };
    for (key, offering) in [("course", course), ("venue", venue), ("legal", legal)] {
        upsert(
            state,
            format!("offering:{key}"),
            root,
            ContentBody::Offering(offering),
        )
        .await?;
    }
    Ok(3)
}
