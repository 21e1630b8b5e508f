//! Opening hours: when an org's kiosks serve, in China time.
//!
//! Hours are wall-clock times in China Standard Time, UTC+08:00 (Asia/Shanghai has had no
//! daylight saving since 1991), so a kiosk evaluates them with a fixed offset and needs no time
//! zone database and no system time zone setting ([`china_time`]). A kiosk uses the hours of the
//! nearest org on its path that set any; none anywhere means always open.

use super::Problems;
use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::{TimeZone, offset};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// At most this many ranges in one day (a lunch break makes two).
pub const MAX_RANGES: usize = 4;
/// At most this many holiday dates, and as many special days, in one set of hours.
pub const MAX_DATES: usize = 400;
/// How far ahead [`OpeningHours::next_opening`] looks.
const LOOKAHEAD_DAYS: i32 = 400;

/// The days of the week in order, Monday first (`week[0]` is Monday).
pub const WEEKDAYS: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

/// The weekday's name as staff read it (周一 … 周日).
pub fn weekday_zh(day: Weekday) -> &'static str {
    ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][day.to_monday_zero_offset() as usize]
}

/// A moment as a wall clock in China shows it.
pub fn china_time(at: Timestamp) -> DateTime {
    at.to_zoned(TimeZone::fixed(offset(8))).datetime()
}

/// A time of day to the minute, `00:00` to `24:00` (the end of the day, for closing times).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime(u16);

impl ClockTime {
    pub const END_OF_DAY: ClockTime = ClockTime(24 * 60);

    /// `None` past 24:00.
    pub fn new(hour: u8, minute: u8) -> Option<ClockTime> {
        let m = u16::from(hour) * 60 + u16::from(minute);
        (minute < 60 && m <= 24 * 60).then_some(ClockTime(m))
    }

    pub fn minutes(self) -> u16 {
        self.0
    }

    fn of(at: DateTime) -> ClockTime {
        ClockTime(at.hour() as u16 * 60 + at.minute() as u16)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid time of day '{0}': expected HH:MM from 00:00 to 24:00")]
pub struct InvalidClockTime(pub String);

impl FromStr for ClockTime {
    type Err = InvalidClockTime;

    /// `HH:MM` (or `H:MM`), also with a full-width colon as Chinese keyboards type it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || InvalidClockTime(s.chars().take(20).collect());
        let t = s.trim().replace('：', ":");
        let (h, m) = t.split_once(':').ok_or_else(bad)?;
        let digits = |x: &str, lengths: std::ops::RangeInclusive<usize>| {
            (lengths.contains(&x.len()) && x.bytes().all(|b| b.is_ascii_digit()))
                .then(|| x.parse::<u8>().ok())
                .flatten()
        };
        // Minutes always take two digits (`9:05`, never `9:5`).
        match (digits(h, 1..=2), digits(m, 2..=2)) {
            (Some(h), Some(m)) => ClockTime::new(h, m).ok_or_else(bad),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl Serialize for ClockTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Open from `open` until just before `close`, on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeRange {
    pub open: ClockTime,
    pub close: ClockTime,
}

impl TimeRange {
    fn contains(&self, t: ClockTime) -> bool {
        self.open <= t && t < self.close
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.open, self.close)
    }
}

/// A date with hours of its own instead of its weekday's (a 调休 working Saturday, a short day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecialDay {
    pub date: Date,
    pub hours: Vec<TimeRange>,
}

/// Content kind `opening_hours`: one per org at most.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningHours {
    /// Monday to Sunday, seven entries; an empty day is closed all day.
    pub week: Vec<Vec<TimeRange>>,
    /// Dates closed all day (holidays).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub closed_dates: Vec<Date>,
    /// Dates with their own hours, overriding their weekday's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub special_days: Vec<SpecialDay>,
}

impl OpeningHours {
    /// The ranges the kiosk is open on `date` (empty: closed all day).
    pub fn hours_on(&self, date: Date) -> &[TimeRange] {
        if self.closed_dates.contains(&date) {
            return &[];
        }
        if let Some(day) = self.special_days.iter().find(|d| d.date == date) {
            return &day.hours;
        }
        self.week
            .get(date.weekday().to_monday_zero_offset() as usize)
            .map_or(&[], Vec::as_slice)
    }

    /// Whether the kiosk serves at this wall-clock time (China time).
    pub fn is_open(&self, at: DateTime) -> bool {
        let t = ClockTime::of(at);
        self.hours_on(at.date()).iter().any(|r| r.contains(t))
    }

    /// When it next opens after `at` (China time), looking about a year ahead; `None` if never.
    pub fn next_opening(&self, at: DateTime) -> Option<DateTime> {
        let now = ClockTime::of(at);
        let mut date = at.date();
        for day in 0..LOOKAHEAD_DAYS {
            let start = self
                .hours_on(date)
                .iter()
                .map(|r| r.open)
                .filter(|open| day > 0 || *open > now)
                .min();
            if let Some(open) = start {
                let (h, m) = (open.0 / 60, open.0 % 60);
                return Some(date.at(h as i8, m as i8, 0, 0));
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    pub(super) fn validate(&self, p: &mut Problems) {
        if self.week.len() != 7 {
            p.add("week", "每周必须正好 7 天（周一到周日）");
        }
        for (day, ranges) in WEEKDAYS.iter().zip(&self.week) {
            check_ranges(p, "week", weekday_zh(*day), ranges);
        }
        if self.week.iter().all(Vec::is_empty) {
            p.add(
                "week",
                "每周至少要有一天开放；如果要一直开放，请删除开放时间设置",
            );
        }
        if self.closed_dates.len() > MAX_DATES || self.special_days.len() > MAX_DATES {
            p.add(
                "closed_dates",
                format!("休息日和特殊日期各最多 {MAX_DATES} 个"),
            );
        }
        let mut seen = std::collections::HashSet::new();
        for d in &self.closed_dates {
            if !seen.insert(*d) {
                p.add("closed_dates", format!("休息日 {d} 写了两次"));
            }
        }
        let mut special = std::collections::HashSet::new();
        for s in &self.special_days {
            let label = s.date.to_string();
            if !special.insert(s.date) {
                p.add("special_days", format!("特殊日期 {label} 写了两次"));
            } else if seen.contains(&s.date) {
                p.add(
                    "special_days",
                    format!("{label} 既是休息日又有特殊开放时间，请只保留一个"),
                );
            }
            if s.hours.is_empty() {
                p.add(
                    "special_days",
                    format!("特殊日期 {label} 没有写开放时间；全天休息请写在休息日里"),
                );
            }
            check_ranges(p, "special_days", &label, &s.hours);
        }
    }
}

/// One day's ranges: each opens before it closes, at most [`MAX_RANGES`], none overlapping.
fn check_ranges(p: &mut Problems, field: &str, day: &str, ranges: &[TimeRange]) {
    if ranges.len() > MAX_RANGES {
        p.add(field, format!("{day}最多 {MAX_RANGES} 个开放时间段"));
    }
    for r in ranges {
        if r.open >= r.close {
            p.add(
                field,
                format!("{day} {r}：关门时间必须晚于开门时间（不支持跨过午夜的时间段）"),
            );
        }
    }
    let mut sorted: Vec<_> = ranges.iter().filter(|r| r.open < r.close).collect();
    sorted.sort_by_key(|r| r.open);
    for pair in sorted.windows(2) {
        if pair[1].open < pair[0].close {
            p.add(field, format!("{day} {} 与 {} 重叠", pair[0], pair[1]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(s: &str) -> TimeRange {
        let (a, b) = s.split_once('-').expect("a range");
        TimeRange {
            open: a.parse().expect("open"),
            close: b.parse().expect("close"),
        }
    }

    fn weekdays_nine_to_five() -> OpeningHours {
        let day = vec![range("09:00-12:00"), range("13:30-17:30")];
        let mut week = vec![day; 5];
        week.push(Vec::new());
        week.push(Vec::new());
        OpeningHours {
            week,
            closed_dates: vec![jiff::civil::date(2026, 10, 1)],
            special_days: vec![SpecialDay {
                date: jiff::civil::date(2026, 10, 10),
                hours: vec![range("10:00-15:00")],
            }],
        }
    }

    fn problems(h: &OpeningHours) -> Vec<String> {
        let mut p = Problems::default();
        h.validate(&mut p);
        p.0.into_iter().map(|p| p.message).collect()
    }

    #[test]
    fn clock_times_parse_and_print() {
        for (text, minutes) in [
            ("09:00", 540),
            ("9:05", 545),
            ("00:00", 0),
            ("24:00", 1440),
            ("17：30", 1050),
        ] {
            let t: ClockTime = text.parse().expect(text);
            assert_eq!(t.minutes(), minutes, "{text}");
        }
        assert_eq!("9:05".parse::<ClockTime>().expect("t").to_string(), "09:05");
        for bad in [
            "", "9", "9:5", "24:01", "25:00", "09:60", "a:bc", "-1:00", "123:00", "9:000",
        ] {
            assert!(bad.parse::<ClockTime>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn open_closed_and_next_opening() {
        let h = weekdays_nine_to_five();
        // 2026-09-28 is a Monday.
        let at = |d: i8, hh: i8, mm: i8| jiff::civil::date(2026, 9, d).at(hh, mm, 0, 0);
        assert!(!h.is_open(at(28, 8, 59)));
        assert!(h.is_open(at(28, 9, 0)));
        assert!(!h.is_open(at(28, 12, 0)), "lunch break");
        assert!(h.is_open(at(28, 17, 29)));
        assert!(!h.is_open(at(28, 17, 30)), "closes at 17:30 sharp");
        assert_eq!(h.next_opening(at(28, 12, 10)), Some(at(28, 13, 30)));
        assert_eq!(h.next_opening(at(28, 18, 0)), Some(at(29, 9, 0)));
        // Wednesday 30th evening: Thursday 1 October is a holiday, Friday opens.
        let oct = |d: i8, hh: i8, mm: i8| jiff::civil::date(2026, 10, d).at(hh, mm, 0, 0);
        assert!(!h.is_open(oct(1, 10, 0)), "holiday");
        assert_eq!(h.next_opening(at(30, 18, 0)), Some(oct(2, 9, 0)));
        // Saturday 10 October has special hours; Sunday 11th is closed.
        assert!(h.is_open(oct(10, 10, 0)));
        assert!(!h.is_open(oct(10, 15, 0)));
        assert_eq!(h.next_opening(oct(10, 16, 0)), Some(oct(12, 9, 0)));
    }

    #[test]
    fn china_time_is_utc_plus_eight() {
        let ts: Timestamp = "2026-09-28T01:00:00Z".parse().expect("ts");
        assert_eq!(
            china_time(ts),
            jiff::civil::date(2026, 9, 28).at(9, 0, 0, 0)
        );
    }

    #[test]
    fn validation_names_each_problem_in_chinese() {
        assert!(problems(&weekdays_nine_to_five()).is_empty());
        let mut h = weekdays_nine_to_five();
        h.week[0] = vec![range("09:00-12:00"), range("11:00-14:00")];
        h.week[1] = vec![range("18:00-09:00")];
        h.closed_dates.push(jiff::civil::date(2026, 10, 10));
        assert_eq!(
            problems(&h),
            [
                "周一 09:00-12:00 与 11:00-14:00 重叠",
                "周二 18:00-09:00：关门时间必须晚于开门时间（不支持跨过午夜的时间段）",
                "2026-10-10 既是休息日又有特殊开放时间，请只保留一个",
            ]
        );
        let closed_all_week = OpeningHours {
            week: vec![Vec::new(); 7],
            closed_dates: Vec::new(),
            special_days: Vec::new(),
        };
        assert_eq!(problems(&closed_all_week).len(), 1);
        let six_days = OpeningHours {
            week: vec![vec![range("09:00-17:00")]; 6],
            ..closed_all_week
        };
        assert_eq!(problems(&six_days), ["每周必须正好 7 天（周一到周日）"]);
    }

    #[test]
    fn hours_round_trip_as_json() {
        let h = weekdays_nine_to_five();
        let json = serde_json::to_value(&h).expect("json");
        assert_eq!(json["week"][0][0]["open"], "09:00");
        assert_eq!(json["closed_dates"][0], "2026-10-01");
        let back: OpeningHours = serde_json::from_value(json).expect("back");
        assert_eq!(back, h);
        let bad = serde_json::json!({"week": [[{"open": "9", "close": "17:00"}]]});
        assert!(serde_json::from_value::<OpeningHours>(bad).is_err());
    }
}
