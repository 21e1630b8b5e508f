//! The offering form's fields: what the clerk typed, by input name, read into an [`Offering`]
//! with every reason it is not one in the clerk's language, and an offering written back out as
//! the fields that show it.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use protocol::content::ContentBody;
use protocol::content::hours::{ClockTime, SpecialDay, TimeRange};
use protocol::places::{
    Eligibility, MAX_CAPACITY, Offering, OfferingCategory, Schedule, Session, Timetable,
};

use super::super::super::page::local_time;
use super::super::super::{Lang, tr};

pub(super) const MORE_ROWS: usize = 3;
/// The most rows the page draws (the protocol's limit on sessions).
pub(super) const MAX_ROWS: usize = protocol::places::MAX_SESSIONS;
pub(super) const WEEKDAYS_ZH: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
pub(super) const WEEKDAYS_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// What the clerk typed (or an offering written out as the page's fields), by input name.
pub(super) type Fields = BTreeMap<String, String>;

pub(super) fn get<'a>(f: &'a Fields, name: &str) -> &'a str {
    f.get(name).map_or("", |v| v.trim())
}

pub(super) fn uses_sessions(c: OfferingCategory) -> bool {
    matches!(c, OfferingCategory::Course | OfferingCategory::Activity)
}

pub(super) fn category_of(v: &str) -> Option<OfferingCategory> {
    OfferingCategory::ALL.into_iter().find(|c| c.as_str() == v)
}

fn china(ts: Timestamp) -> jiff::civil::DateTime {
    ts.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .datetime()
}

fn local_input(ts: Timestamp) -> String {
    china(ts).strftime("%Y-%m-%dT%H:%M").to_string()
}

/// A new offering's fields: the category's schedule, a few blank session rows, or a timetable
/// from today for eight weeks with weekday office hours.
pub(super) fn blank(category: OfferingCategory) -> Fields {
    let mut f = Fields::new();
    f.insert("category".into(), category.as_str().into());
    f.insert("per_person".into(), "1".into());
    if uses_sessions(category) {
        f.insert("rows".into(), MORE_ROWS.to_string());
        f.insert("waitlist".into(), "1".into());
    } else {
        let today = china(Timestamp::now()).date();
        f.insert("from".into(), today.to_string());
        let until = today
            .checked_add(jiff::Span::new().days(56))
            .unwrap_or(today);
        f.insert("until".into(), until.to_string());
        f.insert("capacity".into(), "1".into());
        for d in 0..5 {
            f.insert(
                format!("w.{d}"),
                "09:00-10:00 10:00-11:00 14:00-15:00".into(),
            );
        }
    }
    f
}

/// An offering as the page's fields.
pub(super) fn fields_of(o: &Offering) -> Fields {
    let mut f = Fields::new();
    let mut put = |k: &str, v: String| {
        f.insert(k.to_owned(), v);
    };
    put("category", o.category.as_str().into());
    put("title", o.title.clone());
    put("description", o.description.clone());
    put("place", o.place.clone());
    put(
        "eligibility",
        match o.eligibility {
            Eligibility::Everyone => "everyone",
            Eligibility::MembersOnly => "members_only",
        }
        .into(),
    );
    if o.members_first {
        put("members_first", "1".into());
    }
    if o.waitlist {
        put("waitlist", "1".into());
    }
    put("per_person", o.per_person.to_string());
    put("opens_at", o.opens_at.map(local_input).unwrap_or_default());
    put(
        "closes_at",
        o.closes_at.map(local_input).unwrap_or_default(),
    );
    match &o.schedule {
        Schedule::Sessions { sessions } => {
            put("rows", (sessions.len() + 1).to_string());
            for (i, s) in sessions.iter().enumerate() {
                let (start, end) = (china(s.starts_at), china(s.ends_at));
                put(&format!("s.{i}.key"), s.key.clone());
                put(&format!("s.{i}.date"), start.date().to_string());
                put(&format!("s.{i}.start"), start.strftime("%H:%M").to_string());
                put(&format!("s.{i}.end"), end.strftime("%H:%M").to_string());
                put(&format!("s.{i}.place"), s.place.clone());
                put(&format!("s.{i}.capacity"), s.capacity.to_string());
            }
        }
        Schedule::Timetable(t) => {
            put("from", t.from.to_string());
            put("until", t.until.to_string());
            put("capacity", t.capacity.to_string());
            for (d, ranges) in t.week.iter().enumerate() {
                let text: Vec<String> = ranges.iter().map(ToString::to_string).collect();
                put(&format!("w.{d}"), text.join(" "));
            }
            let closed: Vec<String> = t.closed.iter().map(ToString::to_string).collect();
            put("closed", closed.join(" "));
            let special: Vec<String> = t
                .special_days
                .iter()
                .map(|d| {
                    let slots: Vec<String> = d.hours.iter().map(ToString::to_string).collect();
                    format!("{} {}", d.date, slots.join(" "))
                        .trim_end()
                        .to_owned()
                })
                .collect();
            put("special", special.join("\n"));
        }
    }
    f
}

pub(super) fn rows(f: &Fields) -> usize {
    get(f, "rows")
        .parse::<usize>()
        .unwrap_or(MORE_ROWS)
        .min(MAX_ROWS)
}

/// What is wrong, each in both languages.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn add(&mut self, l: Lang, zh: impl AsRef<str>, en: impl AsRef<str>) {
        self.0.push(match l {
            Lang::Zh => zh.as_ref().to_owned(),
            Lang::En => en.as_ref().to_owned(),
        });
    }
}

fn number(
    p: &mut Problems,
    l: Lang,
    v: &str,
    range: std::ops::RangeInclusive<u32>,
    zh: &str,
    en: &str,
) -> u32 {
    match v.parse::<u32>() {
        Ok(n) if range.contains(&n) => n,
        _ => {
            p.add(
                l,
                format!("{zh}须是 {} 到 {} 之间的整数", range.start(), range.end()),
                format!(
                    "{en} must be a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
            );
            *range.start()
        }
    }
}

fn instant(date: Date, t: ClockTime) -> Option<Timestamp> {
    date.to_datetime(jiff::civil::Time::midnight())
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .ok()?
        .timestamp()
        .checked_add(jiff::SignedDuration::from_mins(i64::from(t.minutes())))
        .ok()
}

/// A key not used by any session: 第1场, 第2场, …
fn fresh_key(used: &[String]) -> String {
    (1..)
        .map(|n| format!("第{n}场"))
        .find(|k| !used.contains(k))
        .expect("some number is free")
}

fn read_sessions(l: Lang, f: &Fields, retired: &[String], p: &mut Problems) -> Vec<Session> {
    let mut out: Vec<Session> = Vec::new();
    let typed: Vec<usize> = (0..rows(f))
        .filter(|i| {
            ["date", "start", "end", "place", "capacity"]
                .iter()
                .any(|k| !get(f, &format!("s.{i}.{k}")).is_empty())
        })
        .collect();
    let kept: Vec<String> = typed
        .iter()
        .map(|i| get(f, &format!("s.{i}.key")).to_owned())
        .filter(|k| !k.is_empty())
        .collect();
    // A new row never takes the key of a session the offering had (bookings name it).
    let mut used: Vec<String> = kept.iter().chain(retired).cloned().collect();
    for (n, i) in typed.into_iter().enumerate() {
        let v = |k: &str| get(f, &format!("s.{i}.{k}")).to_owned();
        let (zh, en) = (format!("第 {} 场：", n + 1), format!("Session {}: ", n + 1));
        let date: Option<Date> = v("date").parse().ok();
        if date.is_none() {
            p.add(l, format!("{zh}请填写日期"), format!("{en}enter the date"));
        }
        let start: Option<ClockTime> = v("start").parse().ok();
        let end: Option<ClockTime> = v("end").parse().ok();
        if start.is_none() || end.is_none() {
            p.add(
                l,
                format!("{zh}开始和结束时间须是 HH:MM"),
                format!("{en}start and end must be times as HH:MM"),
            );
        } else if end <= start {
            p.add(
                l,
                format!("{zh}结束时间须晚于开始时间"),
                format!("{en}it must end after it starts"),
            );
        }
        let capacity = number(
            p,
            l,
            &v("capacity"),
            1..=MAX_CAPACITY,
            &format!("{zh}名额"),
            &format!("{en}places"),
        );
        let (Some(date), Some(start), Some(end)) = (date, start, end) else {
            continue;
        };
        let (Some(starts_at), Some(ends_at)) = (instant(date, start), instant(date, end)) else {
            continue;
        };
        let key = match v("key") {
            k if !k.is_empty() => k,
            _ => {
                let k = fresh_key(&used);
                used.push(k.clone());
                k
            }
        };
        out.push(Session {
            key,
            starts_at,
            ends_at,
            place: v("place"),
            capacity,
        });
    }
    if out.is_empty() && p.0.is_empty() {
        p.add(
            l,
            "至少填写一场（日期、时间和名额）",
            "Enter at least one session (date, times and places)",
        );
    }
    out.sort_by_key(|s| s.starts_at);
    out
}

fn read_timetable(l: Lang, f: &Fields, p: &mut Problems) -> Option<Timetable> {
    let date = |name: &str, zh: &str, en: &str, p: &mut Problems| {
        let d: Option<Date> = get(f, name).parse().ok();
        if d.is_none() {
            p.add(
                l,
                format!("请填写{zh}（年-月-日）"),
                format!("Enter the {en} (year-month-day)"),
            );
        }
        d
    };
    let from = date("from", "开始日期", "first day", p);
    let until = date("until", "结束日期", "last day", p);
    let capacity = number(
        p,
        l,
        get(f, "capacity"),
        1..=MAX_CAPACITY,
        "每个时段的名额",
        "Places per slot",
    );
    let week: Vec<Vec<TimeRange>> = (0..7)
        .map(|d| {
            day_slots(
                l,
                get(f, &format!("w.{d}")),
                WEEKDAYS_ZH[d],
                WEEKDAYS_EN[d],
                p,
            )
        })
        .collect();
    if week.iter().all(Vec::is_empty) {
        p.add(
            l,
            "每周至少要有一个时段",
            "Give at least one slot in the week",
        );
    }
    let mut closed = Vec::new();
    for part in get(f, "closed")
        .split([' ', ',', '，', '、', ';', '；', '\n', '\r'])
        .filter(|s| !s.is_empty())
    {
        match part.parse::<Date>() {
            Ok(d) => closed.push(d),
            Err(_) => p.add(
                l,
                format!("不开放的日期“{part}”看不懂：请写成 2027-01-01"),
                format!("Cannot read the closed day “{part}”; write dates as 2027-01-01"),
            ),
        }
    }
    closed.sort();
    closed.dedup();
    // One exception a line: the date, then its slots (none: no slots that day).
    let mut special_days: Vec<SpecialDay> = Vec::new();
    for line in get(f, "special")
        .split(['\n', '；', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let (date, rest) = line.split_once([' ', '，', ',']).unwrap_or((line, ""));
        match date.trim().parse::<Date>() {
            Ok(date) => special_days.push(SpecialDay {
                date,
                hours: day_slots(l, rest, &date.to_string(), &date.to_string(), p),
            }),
            Err(_) => p.add(
                l,
                format!("特殊日期“{line}”看不懂：请写成 2027-01-30 09:00-10:00 10:00-11:00"),
                format!(
                    "Cannot read the exception “{line}”; write it as 2027-01-30 09:00-10:00 10:00-11:00"
                ),
            ),
        }
    }
    special_days.sort_by_key(|d| d.date);
    Some(Timetable {
        from: from?,
        until: until?,
        week,
        capacity,
        closed,
        special_days,
    })
}

/// One day's slots as typed: `09:00-10:00 10:00-11:00` (any dash, spaces or commas between);
/// what cannot be read is said, naming the day.
fn day_slots(l: Lang, typed: &str, day_zh: &str, day_en: &str, p: &mut Problems) -> Vec<TimeRange> {
    let mut day = Vec::new();
    for part in typed
        .split([' ', ',', '，', '、', ';', '；', '\n', '\r'])
        .filter(|s| !s.is_empty())
    {
        let range = part
            .replace(['－', '—', '–', '~', '～'], "-")
            .split_once('-')
            .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
        match range {
            Some((open, close)) if close > open => day.push(TimeRange { open, close }),
            _ => p.add(
                l,
                format!("{day_zh}的时段“{part}”看不懂：请写成 09:00-10:00，多个时段用空格隔开"),
                format!(
                    "{day_en}: cannot read the slot “{part}”; write slots as 09:00-10:00, separated by spaces"
                ),
            ),
        }
    }
    day
}

/// The page's fields as an offering, or every reason it is not one. `retired`: session keys the
/// offering has had or bookings name, which a new session must not take.
pub(super) fn read(l: Lang, f: &Fields, retired: &[String]) -> Result<Offering, Vec<String>> {
    let mut p = Problems::default();
    let category = category_of(get(f, "category"));
    let Some(category) = category else {
        return Err(vec![tr(l, "请选择类别。", "Choose a category.").to_owned()]);
    };
    let title = get(f, "title").to_owned();
    if title.is_empty() {
        p.add(l, "请填写名称", "Enter a title");
    }
    let per_person = number(
        &mut p,
        l,
        get(f, "per_person"),
        1..=100,
        "每人可约数量",
        "Places per person",
    );
    let (Ok(opens_at), Ok(closes_at)) = (
        local_time(get(f, "opens_at")),
        local_time(get(f, "closes_at")),
    ) else {
        p.add(
            l,
            "报名时间的格式不对",
            "A sign-up time is not a valid date and time",
        );
        return Err(p.0);
    };
    if let (Some(o), Some(c)) = (opens_at, closes_at)
        && c <= o
    {
        p.add(
            l,
            "报名截止时间须晚于报名开始时间",
            "Sign-up must close after it opens",
        );
    }
    let schedule = if uses_sessions(category) {
        Some(Schedule::Sessions {
            sessions: read_sessions(l, f, retired, &mut p),
        })
    } else {
        read_timetable(l, f, &mut p).map(Schedule::Timetable)
    };
    let offering = schedule.map(|schedule| Offering {
        title,
        category,
        description: get(f, "description").replace("\r\n", "\n"),
        place: get(f, "place").to_owned(),
        eligibility: if get(f, "eligibility") == "members_only" {
            Eligibility::MembersOnly
        } else {
            Eligibility::Everyone
        },
        members_first: get(f, "members_first") == "1",
        opens_at,
        closes_at,
        per_person,
        waitlist: get(f, "waitlist") == "1",
        schedule,
    });
    match offering {
        Some(o) if p.0.is_empty() => {
            // What only the protocol's own check finds (lengths, limits), in its words.
            match ContentBody::Offering(o.clone()).validate() {
                Ok(()) => Ok(o),
                Err(found) => Err(found
                    .into_iter()
                    .map(|x| format!("{}：{}", x.field, x.message))
                    .collect()),
            }
        }
        _ => Err(p.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_course_typed_in_reads_back_and_round_trips() {
        let f = typed(&[
            ("category", "course"),
            ("title", "育儿讲座"),
            ("per_person", "1"),
            ("waitlist", "1"),
            ("members_first", "1"),
            ("rows", "3"),
            ("s.0.date", "2027-03-02"),
            ("s.0.start", "09:00"),
            ("s.0.end", "11:30"),
            ("s.0.capacity", "40"),
            ("s.2.key", "第1场"),
            ("s.2.date", "2027-03-01"),
            ("s.2.start", "14:00"),
            ("s.2.end", "16:00"),
            ("s.2.capacity", "20"),
        ]);
        let o = read(Lang::Zh, &f, &[]).expect("a course");
        let Schedule::Sessions { sessions } = &o.schedule else {
            panic!("sessions");
        };
        // The kept key stays, the new row gets one not used, in time order.
        assert_eq!(
            sessions.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(),
            ["第1场", "第2场"]
        );
        assert_eq!(sessions[1].starts_at.to_string(), "2027-03-02T01:00:00Z");
        assert!(o.members_first && o.waitlist);
        // A key a session had before (bookings name it) is never given to a new row.
        let again = read(Lang::Zh, &f, &["第2场".to_owned()]).expect("a course");
        let Schedule::Sessions { sessions } = &again.schedule else {
            panic!("sessions");
        };
        assert_eq!(sessions[1].key, "第3场");
        assert_eq!(read(Lang::Zh, &fields_of(&o), &[]).expect("again"), o);
    }

    #[test]
    fn what_is_wrong_is_said_in_the_clerks_language() {
        let f = typed(&[
            ("category", "course"),
            ("per_person", "1"),
            ("rows", "1"),
            ("s.0.date", "2027-03-02"),
            ("s.0.start", "11:00"),
            ("s.0.end", "09:00"),
            ("s.0.capacity", "0"),
        ]);
        let zh = read(Lang::Zh, &f, &[]).expect_err("refused");
        assert!(zh.contains(&"请填写名称".to_owned()), "{zh:?}");
        assert!(
            zh.iter().any(|m| m == "第 1 场：结束时间须晚于开始时间"),
            "{zh:?}"
        );
        assert!(
            zh.iter().any(|m| m.starts_with("第 1 场：名额须是 1 到")),
            "{zh:?}"
        );
        let en = read(Lang::En, &f, &[]).expect_err("refused");
        assert!(
            en.iter()
                .any(|m| m == "Session 1: it must end after it starts"),
            "{en:?}"
        );
    }

    #[test]
    fn a_timetable_reads_slots_and_closed_days_as_clerks_type_them() {
        let f = typed(&[
            ("category", "venue"),
            ("title", "活动室"),
            ("per_person", "2"),
            ("from", "2027-01-01"),
            ("until", "2027-02-28"),
            ("capacity", "1"),
            ("w.0", "09:00-10:00，10:00－11:00"),
            ("w.5", "9:00-12:00"),
            ("closed", "2027-01-01、2027-02-10"),
            ("special", "2027-02-21 09:00-10:00\r\n2027-01-04"),
        ]);
        let o = read(Lang::Zh, &f, &[]).expect("a venue");
        // A Sunday with one slot; a Monday with none.
        assert!(o.slot("2027-02-21 09:00").is_some());
        assert!(o.slot("2027-01-04 09:00").is_none());
        assert!(o.slot("2027-01-11 09:00").is_some());
        let Schedule::Timetable(t) = &o.schedule else {
            panic!("timetable");
        };
        assert_eq!(t.week[0].len(), 2);
        assert_eq!(t.week[5][0].to_string(), "09:00-12:00");
        assert_eq!(t.closed.len(), 2);
        assert_eq!(read(Lang::Zh, &fields_of(&o), &[]).expect("again"), o);
        let bad = typed(&[
            ("category", "venue"),
            ("title", "活动室"),
            ("per_person", "1"),
            ("from", "2027-01-01"),
            ("until", "2027-02-28"),
            ("capacity", "1"),
            ("w.2", "上午"),
        ]);
        let en = read(Lang::En, &bad, &[]).expect_err("refused");
        assert!(
            en.iter()
                .any(|m| m.starts_with("Wed: cannot read the slot “上午”")),
            "{en:?}"
        );
    }
}
