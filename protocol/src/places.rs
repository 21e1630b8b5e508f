//! Limited places: courses, activities, venues and consultations booked at a kiosk.
//!
//! An [`Offering`] is content (kind `offering`) published at an org like any other: either a
//! course or activity with dated sessions, or a bookable resource (a venue, a consultation
//! service) with a weekly timetable of slots. Each session or slot has a key ([`Slot::key`]) and
//! a capacity.
//!
//! A booking request is a submission through the kiosk's outbox like a filled-in form: its
//! `form_id` and `form_version` name the offering, and its sealed answers are a
//! [`BookingRequest`]. The kiosk never decides: the server allocates in one write transaction,
//! in the order requests arrive there, and keeps a [`PlacesLeft`] item per offering in the feed
//! (kind `places_left`, written by the server only) so kiosks show what is left as of their last
//! sync. The outcome ([`BookingOutcome`]) comes back with the status check (办理进度), where the
//! employee may also cancel.

use crate::content::Problems;
use crate::content::hours::{ClockTime, SpecialDay, TimeRange, WEEKDAYS, china_time};
use crate::ids::ContentId;
use crate::submission::FormAnswers;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::{TimeZone, offset};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// At most this many dated sessions in one offering.
pub const MAX_SESSIONS: usize = 200;
/// The most places one session or slot may have.
pub const MAX_CAPACITY: u32 = 10_000;
/// A timetable covers at most this many days.
pub const MAX_TIMETABLE_DAYS: i32 = 400;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferingCategory {
    /// 培训课程
    Course,
    /// 活动
    Activity,
    /// 场地
    Venue,
    /// 咨询服务 (legal, psychological)
    Consultation,
}

impl OfferingCategory {
    pub const ALL: [OfferingCategory; 4] = [
        OfferingCategory::Course,
        OfferingCategory::Activity,
        OfferingCategory::Venue,
        OfferingCategory::Consultation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OfferingCategory::Course => "course",
            OfferingCategory::Activity => "activity",
            OfferingCategory::Venue => "venue",
            OfferingCategory::Consultation => "consultation",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            OfferingCategory::Course => "培训课程",
            OfferingCategory::Activity => "活动",
            OfferingCategory::Venue => "场地预约",
            OfferingCategory::Consultation => "咨询服务",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            OfferingCategory::Course => "Courses",
            OfferingCategory::Activity => "Activities",
            OfferingCategory::Venue => "Venues",
            OfferingCategory::Consultation => "Consultations",
        }
    }
}

/// Who may ask for a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Eligibility {
    #[default]
    Everyone,
    /// Only union members (as the employee declares it on the request).
    MembersOnly,
}

/// Content kind `offering`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offering {
    pub title: String,
    pub category: OfferingCategory,
    #[serde(default)]
    pub description: String,
    /// Where it happens, unless a session says otherwise.
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub eligibility: Eligibility,
    /// Members first: a full session's waiting list puts union members (as they declare it)
    /// ahead of non-members, each in arrival order, so a freed place goes to the first member
    /// waiting. Confirmed places are never taken back.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub members_first: bool,
    /// Requests made before this are refused (window closed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opens_at: Option<Timestamp>,
    /// Requests made after this are refused (window closed). A session's own start always
    /// closes its sign-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closes_at: Option<Timestamp>,
    /// How many places (confirmed or waiting) one person may hold in this offering at once.
    #[serde(default = "one")]
    pub per_person: u32,
    /// Whether a request for a full session waits in line (courses) or is refused (slots).
    #[serde(default)]
    pub waitlist: bool,
    pub schedule: Schedule,
}

fn one() -> u32 {
    1
}

/// Dated sessions, or a weekly timetable of slots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Schedule {
    Sessions { sessions: Vec<Session> },
    Timetable(Timetable),
}

/// One dated session of a course or activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Unique within the offering, kept when the session is edited (bookings name it).
    pub key: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    /// Where, when not the offering's place.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub place: String,
    pub capacity: u32,
}

/// A bookable resource's weekly slots from `from` to `until` (inclusive), in China time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timetable {
    pub from: Date,
    pub until: Date,
    /// Monday to Sunday, seven entries: each day's slots.
    pub week: Vec<Vec<TimeRange>>,
    /// Places in each slot (1 for a room or one adviser).
    pub capacity: u32,
    /// Holidays and other days with no slots.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub closed: Vec<Date>,
    /// Exceptions: days whose slots (`hours`) replace their weekday's, such as a 调休 working
    /// Saturday or a short day. A closed date wins over an exception.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub special_days: Vec<SpecialDay>,
}

/// A session or a timetable slot, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// A session's key, or `YYYY-MM-DD HH:MM` for a timetable slot.
    pub key: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub place: String,
    pub capacity: u32,
}

fn china_instant(date: Date, t: ClockTime) -> Option<Timestamp> {
    let midnight = date
        .to_datetime(jiff::civil::Time::midnight())
        .to_zoned(TimeZone::fixed(offset(8)))
        .ok()?
        .timestamp();
    midnight
        .checked_add(jiff::SignedDuration::from_mins(i64::from(t.minutes())))
        .ok()
}

impl Timetable {
    fn slots_on(&self, date: Date, place: &str) -> Vec<Slot> {
        if date < self.from || date > self.until || self.closed.contains(&date) {
            return Vec::new();
        }
        let day = match self.special_days.iter().find(|d| d.date == date) {
            Some(special) => &special.hours,
            None => &self.week[date.weekday().to_monday_zero_offset() as usize],
        };
        day.iter()
            .filter_map(|r| {
                Some(Slot {
                    key: format!("{date} {}", r.open),
                    starts_at: china_instant(date, r.open)?,
                    ends_at: china_instant(date, r.close)?,
                    place: place.to_owned(),
                    capacity: self.capacity,
                })
            })
            .collect()
    }
}

impl Offering {
    /// The session or slot `key` names, if the offering has it.
    pub fn slot(&self, key: &str) -> Option<Slot> {
        match &self.schedule {
            Schedule::Sessions { sessions } => {
                sessions.iter().find(|s| s.key == key).map(|s| Slot {
                    key: s.key.clone(),
                    starts_at: s.starts_at,
                    ends_at: s.ends_at,
                    place: if s.place.is_empty() {
                        self.place.clone()
                    } else {
                        s.place.clone()
                    },
                    capacity: s.capacity,
                })
            }
            Schedule::Timetable(t) => {
                let (date, _) = key.split_once(' ')?;
                let date: Date = date.parse().ok()?;
                t.slots_on(date, &self.place)
                    .into_iter()
                    .find(|s| s.key == key)
            }
        }
    }

    /// Every session, or the timetable's slots on `days` days from `from`, in time order.
    pub fn slots(&self, from: Date, days: i32) -> Vec<Slot> {
        let mut out: Vec<Slot> = match &self.schedule {
            Schedule::Sessions { sessions } => {
                sessions.iter().filter_map(|s| self.slot(&s.key)).collect()
            }
            Schedule::Timetable(t) => (0..days.clamp(0, MAX_TIMETABLE_DAYS))
                .filter_map(|d| from.checked_add(jiff::Span::new().days(d)).ok())
                .flat_map(|date| t.slots_on(date, &self.place))
                .collect(),
        };
        out.sort_by(|a, b| a.starts_at.cmp(&b.starts_at).then(a.key.cmp(&b.key)));
        out
    }

    /// Whether a request made at `at` is within the sign-up window for `slot`.
    pub fn window_open(&self, slot: &Slot, at: Timestamp) -> bool {
        self.opens_at.is_none_or(|o| at >= o)
            && self.closes_at.is_none_or(|c| at <= c)
            && at < slot.starts_at
    }

    pub(crate) fn validate(&self, p: &mut Problems) {
        p.text("title", &self.title, true, 120);
        p.text("description", &self.description, false, 5_000);
        p.text("place", &self.place, false, 100);
        if !(1..=100).contains(&self.per_person) {
            p.add("per_person", "每人可约数量须在 1 到 100 之间");
        }
        if let (Some(o), Some(c)) = (self.opens_at, self.closes_at)
            && c <= o
        {
            p.add("closes_at", "报名截止时间须晚于开始时间");
        }
        let capacity = |p: &mut Problems, field: &str, c: u32| {
            if !(1..=MAX_CAPACITY).contains(&c) {
                p.add(field, format!("名额须在 1 到 {MAX_CAPACITY} 之间"));
            }
        };
        match &self.schedule {
            Schedule::Sessions { sessions } => {
                if sessions.is_empty() {
                    p.add("schedule.sessions", "至少要有一场");
                }
                if sessions.len() > MAX_SESSIONS {
                    p.add("schedule.sessions", format!("最多 {MAX_SESSIONS} 场"));
                }
                for (i, s) in sessions.iter().enumerate() {
                    let field = format!("schedule.sessions[{i}]");
                    p.text(&format!("{field}.key"), &s.key, true, 40);
                    p.text(&format!("{field}.place"), &s.place, false, 100);
                    if sessions[..i].iter().any(|o| o.key == s.key) {
                        p.add(format!("{field}.key"), format!("场次编号“{}”重复", s.key));
                    }
                    if s.ends_at <= s.starts_at {
                        p.add(format!("{field}.ends_at"), "结束时间须晚于开始时间");
                    }
                    capacity(p, &format!("{field}.capacity"), s.capacity);
                }
            }
            Schedule::Timetable(t) => {
                if t.week.len() != 7 {
                    p.add("schedule.week", "每周须有七天（周一到周日）");
                }
                if t.until < t.from {
                    p.add("schedule.until", "结束日期不能早于开始日期");
                } else if (t.until - t.from).get_days() >= MAX_TIMETABLE_DAYS {
                    p.add(
                        "schedule.until",
                        format!("时间表最长 {MAX_TIMETABLE_DAYS} 天"),
                    );
                }
                if t.closed.len() > MAX_TIMETABLE_DAYS as usize {
                    p.add("schedule.closed", "不开放的日期太多");
                }
                if t.special_days.len() > MAX_TIMETABLE_DAYS as usize {
                    p.add("schedule.special_days", "特殊日期太多");
                }
                for (i, d) in t.special_days.iter().enumerate() {
                    let field = format!("schedule.special_days[{i}]");
                    if t.special_days[..i].iter().any(|o| o.date == d.date) {
                        p.add(&field, format!("{} 写了两次", d.date));
                    }
                    if d.hours.len() > 48 {
                        p.add(&field, "一天最多 48 个时段");
                    }
                    for (j, r) in d.hours.iter().enumerate() {
                        if r.close <= r.open {
                            p.add(&field, format!("{} 的时段 {r} 结束须晚于开始", d.date));
                        }
                        if d.hours[..j].iter().any(|o| o.open == r.open) {
                            p.add(&field, format!("{} 有两个时段都从 {} 开始", d.date, r.open));
                        }
                    }
                }
                capacity(p, "schedule.capacity", t.capacity);
                for (day, ranges) in WEEKDAYS.iter().zip(&t.week) {
                    if ranges.len() > 48 {
                        p.add("schedule.week", "一天最多 48 个时段");
                    }
                    for (i, r) in ranges.iter().enumerate() {
                        if r.close <= r.open {
                            p.add(
                                "schedule.week",
                                format!(
                                    "{} 的时段 {r} 结束须晚于开始",
                                    crate::content::hours::weekday_zh(*day)
                                ),
                            );
                        }
                        if ranges[..i].iter().any(|o| o.open == r.open) {
                            p.add(
                                "schedule.week",
                                format!(
                                    "{} 有两个时段都从 {} 开始",
                                    crate::content::hours::weekday_zh(*day),
                                    r.open
                                ),
                            );
                        }
                    }
                }
            }
        }
    }
}

/// The values of `member` when it comes from a choice field rather than as a bool.
pub const MEMBER_YES: &str = "yes";
pub const MEMBER_NO: &str = "no";

/// What a booking request asks, as the sealed answers of its submission.
#[derive(Clone, PartialEq, Eq)]
pub struct BookingRequest {
    /// The session or slot key ([`Slot::key`]).
    pub session: String,
    pub name: String,
    /// Eleven digits, a mainland mobile number.
    pub phone: String,
    /// Union member, as the employee says.
    pub member: bool,
}

impl std::fmt::Debug for BookingRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BookingRequest")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

/// Why sealed answers are not a booking request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidRequest {
    #[error("no session was chosen")]
    Session,
    #[error("the name is missing or longer than 40 characters")]
    Name,
    #[error("the phone number is not an 11-digit mobile number")]
    Phone,
    #[error("'member' must be true or false")]
    Member,
    #[error("the request has fields a booking does not have")]
    Extra,
}

impl InvalidRequest {
    pub fn message_zh(self) -> &'static str {
        match self {
            InvalidRequest::Session => "没有选择场次",
            InvalidRequest::Name => "姓名不能为空，最多 40 个字",
            InvalidRequest::Phone => "手机号码须是 11 位手机号",
            InvalidRequest::Member => "是否会员须为是或否",
            InvalidRequest::Extra => "预约申请含有多余的内容",
        }
    }
}

impl BookingRequest {
    pub fn to_answers(&self) -> FormAnswers {
        FormAnswers {
            answers: [
                ("session".to_owned(), self.session.clone().into()),
                ("name".to_owned(), self.name.clone().into()),
                ("phone".to_owned(), self.phone.clone().into()),
                ("member".to_owned(), self.member.into()),
            ]
            .into(),
        }
    }

    /// Reads and checks sealed answers: trimmed name, digits-only phone.
    pub fn from_answers(
        answers: &BTreeMap<String, serde_json::Value>,
    ) -> Result<Self, InvalidRequest> {
        if answers
            .keys()
            .any(|k| !matches!(k.as_str(), "session" | "name" | "phone" | "member"))
        {
            return Err(InvalidRequest::Extra);
        }
        let text = |k: &str| answers.get(k).and_then(|v| v.as_str()).map(str::trim);
        let session = text("session")
            .filter(|s| !s.is_empty() && s.chars().count() <= 40)
            .ok_or(InvalidRequest::Session)?;
        let name = text("name")
            .filter(|s| !s.is_empty() && s.chars().count() <= 40)
            .ok_or(InvalidRequest::Name)?;
        let phone = text("phone")
            .and_then(|p| crate::answers::phone(p).ok())
            .ok_or(InvalidRequest::Phone)?;
        // A bool, or the `yes` / `no` of the kiosk's choice field.
        let member = match answers.get("member") {
            Some(serde_json::Value::Bool(b)) => *b,
            Some(serde_json::Value::String(s)) if s == MEMBER_YES => true,
            Some(serde_json::Value::String(s)) if s == MEMBER_NO => false,
            _ => return Err(InvalidRequest::Member),
        };
        Ok(BookingRequest {
            session: session.to_owned(),
            name: name.to_owned(),
            phone,
            member,
        })
    }
}

/// Content kind `places_left`: how many places each session of one offering has left, written by
/// the server after every allocation, published where the offering is. Sessions not listed have
/// no bookings (every place is free).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacesLeft {
    pub offering: ContentId,
    /// When the figures were true on the server.
    pub as_of: Timestamp,
    pub sessions: BTreeMap<String, SessionPlaces>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionPlaces {
    pub capacity: u32,
    /// Confirmed places.
    pub taken: u32,
    /// People waiting.
    #[serde(default)]
    pub waiting: u32,
    /// Closed early by staff: no more requests.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub closed: bool,
}

impl SessionPlaces {
    pub fn left(&self) -> u32 {
        self.capacity.saturating_sub(self.taken)
    }
}

impl PlacesLeft {
    /// The feed id of an offering's places-left item.
    pub fn id_for(offering: &ContentId) -> ContentId {
        ContentId(format!("{}.places", offering.0))
    }

    /// Places left in `slot` as of [`Self::as_of`]; 0 when closed early.
    pub fn left(&self, slot: &Slot) -> u32 {
        match self.sessions.get(&slot.key) {
            Some(s) if s.closed => 0,
            Some(s) => s.left(),
            None => slot.capacity,
        }
    }
}

/// Where a booking stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    Confirmed,
    Waitlisted,
    Refused,
    Cancelled,
}

impl BookingStatus {
    pub const ALL: [BookingStatus; 4] = [
        BookingStatus::Confirmed,
        BookingStatus::Waitlisted,
        BookingStatus::Refused,
        BookingStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BookingStatus::Confirmed => "confirmed",
            BookingStatus::Waitlisted => "waitlisted",
            BookingStatus::Refused => "refused",
            BookingStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<BookingStatus> {
        BookingStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            BookingStatus::Confirmed => "已约上",
            BookingStatus::Waitlisted => "候补中",
            BookingStatus::Refused => "未能预约",
            BookingStatus::Cancelled => "已取消",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            BookingStatus::Confirmed => "Confirmed",
            BookingStatus::Waitlisted => "On the waiting list",
            BookingStatus::Refused => "Not possible",
            BookingStatus::Cancelled => "Cancelled",
        }
    }
}

/// Why a request got no place and no place in line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// Asked before sign-up opened, after it closed, or once the session had begun.
    WindowClosed,
    /// The person already holds as many places in this offering as it allows.
    OverLimit,
    /// The session or slot is full and the offering keeps no waiting list.
    SlotTaken,
    /// Members only, and the person said they are not a member.
    MembersOnly,
    /// The session is gone from the offering, or the slot is not in its timetable.
    NoSuchSession,
    /// Staff closed the session early.
    SessionClosed,
    /// The offering is no longer published.
    Withdrawn,
}

impl Refusal {
    pub const ALL: [Refusal; 7] = [
        Refusal::WindowClosed,
        Refusal::OverLimit,
        Refusal::SlotTaken,
        Refusal::MembersOnly,
        Refusal::NoSuchSession,
        Refusal::SessionClosed,
        Refusal::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::WindowClosed => "window_closed",
            Refusal::OverLimit => "over_limit",
            Refusal::SlotTaken => "slot_taken",
            Refusal::MembersOnly => "members_only",
            Refusal::NoSuchSession => "no_such_session",
            Refusal::SessionClosed => "session_closed",
            Refusal::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Refusal> {
        Refusal::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Refusal::WindowClosed => "不在报名时间内",
            Refusal::OverLimit => "已达到每人可约的数量",
            Refusal::SlotTaken => "这个时段已经约满",
            Refusal::MembersOnly => "仅限工会会员报名",
            Refusal::NoSuchSession => "没有这个场次或时段",
            Refusal::SessionClosed => "这一场已提前截止报名",
            Refusal::Withdrawn => "该项目已下架",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Refusal::WindowClosed => "Sign-up is not open at this time",
            Refusal::OverLimit => "You already hold as many places as allowed",
            Refusal::SlotTaken => "This slot is already taken",
            Refusal::MembersOnly => "For union members only",
            Refusal::NoSuchSession => "There is no such session or slot",
            Refusal::SessionClosed => "Sign-up for this session was closed early",
            Refusal::Withdrawn => "This offering has been withdrawn",
        }
    }
}

/// A booking's outcome as the employee sees it under 办理进度.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingOutcome {
    pub offering_title: String,
    pub session: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<Timestamp>,
    #[serde(default)]
    pub place: String,
    pub status: BookingStatus,
    /// Place in the waiting list, 1 for the first, while waitlisted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Refusal>,
}

impl BookingOutcome {
    /// Whether the employee may still cancel it.
    pub fn cancellable(&self) -> bool {
        matches!(
            self.status,
            BookingStatus::Confirmed | BookingStatus::Waitlisted
        )
    }
}

/// A session's start as a kiosk shows it, China time: `2026-12-03 09:00`.
pub fn when(at: Timestamp) -> String {
    china_time(at).strftime("%Y-%m-%d %H:%M").to_string()
}

/// One person on a session's list, for staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booked {
    pub booking_id: i64,
    pub receipt: String,
    pub name: String,
    pub phone: String,
    pub member: bool,
    pub status: BookingStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Refusal>,
    pub attended: bool,
    pub requested_at: Timestamp,
}

/// A session with its people, for staff (`GET /v1/staff/offerings/{id}/bookings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<Timestamp>,
    pub capacity: u32,
    pub closed: bool,
    pub people: Vec<Booked>,
}

#[cfg(test)]
mod tests;
