//! Publishing an offering from the console without JSON: a course or activity with dated
//! sessions, or a venue or consultation with a weekly timetable of slots. One page creates and
//! edits; it works without scripts (more session rows is a plain POST that draws the page again
//! with everything typed kept). What the clerk typed is read into an [`Offering`] here with a
//! reason per field in Chinese and English, then judged again by `ContentBody::validate`, and
//! written through `content::create` / `content::edit` like any content — scoped to the
//! publisher's subtree, and refused there if an edit would take a place from someone
//! (`places::edits`). On any refusal the page comes back with what was typed.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use jiff::civil::Date;
use maud::{Markup, html};
use protocol::content::ContentBody;
use protocol::content::hours::{ClockTime, TimeRange};
use protocol::places::{
    Eligibility, MAX_CAPACITY, Offering, OfferingCategory, Schedule, Session, Timetable,
};
use protocol::staff::{ContentRecord, ContentWrite};
use protocol::{ContentId, OrgId};
use serde::Deserialize;

use super::super::page::{Page, back, layout, load, local_time, org_options};
use super::super::session::{CsrfForm, Publisher};
use super::super::{Lang, tr};
use super::HERE;
use crate::content::{self, Edited};
use crate::state::AppState;

/// Blank session rows a new course starts with, and how many more "add rows" gives.
const MORE_ROWS: usize = 3;
/// The most rows the page draws (the protocol's limit on sessions).
const MAX_ROWS: usize = protocol::places::MAX_SESSIONS;
const WEEKDAYS_ZH: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
const WEEKDAYS_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// What the clerk typed (or an offering written out as the page's fields), by input name.
type Fields = BTreeMap<String, String>;

fn get<'a>(f: &'a Fields, name: &str) -> &'a str {
    f.get(name).map_or("", |v| v.trim())
}

fn uses_sessions(c: OfferingCategory) -> bool {
    matches!(c, OfferingCategory::Course | OfferingCategory::Activity)
}

fn category_of(v: &str) -> Option<OfferingCategory> {
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
fn blank(category: OfferingCategory) -> Fields {
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
fn fields_of(o: &Offering) -> Fields {
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
        }
    }
    f
}

fn rows(f: &Fields) -> usize {
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
    let mut week = Vec::with_capacity(7);
    for d in 0..7 {
        let mut day = Vec::new();
        for part in get(f, &format!("w.{d}"))
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
                    format!(
                        "{}的时段“{part}”看不懂：请写成 09:00-10:00，多个时段用空格隔开",
                        WEEKDAYS_ZH[d]
                    ),
                    format!(
                        "{}: cannot read the slot “{part}”; write slots as 09:00-10:00, separated by spaces",
                        WEEKDAYS_EN[d]
                    ),
                ),
            }
        }
        week.push(day);
    }
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
    Some(Timetable {
        from: from?,
        until: until?,
        week,
        capacity,
        closed,
    })
}

/// The page's fields as an offering, or every reason it is not one. `retired`: session keys the
/// offering has had or bookings name, which a new session must not take.
fn read(l: Lang, f: &Fields, retired: &[String]) -> Result<Offering, Vec<String>> {
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

/// Where the page posts, and what it is for.
enum Target<'a> {
    New,
    Edit { record: &'a ContentRecord },
}

fn form_url(t: &Target<'_>) -> String {
    match t {
        Target::New => format!("{HERE}/new"),
        Target::Edit { record } => format!("{HERE}/{}/edit", record.item.id),
    }
}

fn text_input(f: &Fields, name: &str, max: usize) -> Markup {
    html! { input name=(name) maxlength=(max) value=(get(f, name)); }
}

fn check(f: &Fields, name: &str) -> Markup {
    html! { input type="checkbox" name=(name) value="1" checked[get(f, name) == "1"]; }
}

fn sessions_table(l: Lang, f: &Fields) -> Markup {
    html! {
        h2 { (tr(l, "场次", "Sessions")) }
        p.hint { (tr(l, "每行一场。清空一行即删除该场次（已有人预约的场次不能删除，名额也不能少于已约人数）。",
                     "One session per row. Clear a row to remove the session (a session people have booked cannot be removed, nor given fewer places than are taken).")) }
        table.sessions {
            thead { tr {
                th { "#" } th { (tr(l, "日期", "Date")) } th { (tr(l, "开始", "Starts")) } th { (tr(l, "结束", "Ends")) }
                th { (tr(l, "地点（不同于上面时填写）", "Place (if not the one above)")) } th { (tr(l, "名额", "Places")) }
            } }
            tbody { @for i in 0..rows(f) { tr {
                td { (i + 1) input type="hidden" name=(format!("s.{i}.key")) value=(get(f, &format!("s.{i}.key"))); }
                td { input type="date" name=(format!("s.{i}.date")) value=(get(f, &format!("s.{i}.date"))); }
                td { input type="time" name=(format!("s.{i}.start")) value=(get(f, &format!("s.{i}.start"))); }
                td { input type="time" name=(format!("s.{i}.end")) value=(get(f, &format!("s.{i}.end"))); }
                td { input name=(format!("s.{i}.place")) maxlength="100" value=(get(f, &format!("s.{i}.place"))); }
                td { input type="number" min="1" max=(MAX_CAPACITY) name=(format!("s.{i}.capacity")) value=(get(f, &format!("s.{i}.capacity"))); }
            } } }
        }
        input type="hidden" name="rows" value=(rows(f));
        button.secondary type="submit" name="op" value="more" { (tr(l, "再加几场", "More rows")) }
    }
}

fn timetable_fields(l: Lang, f: &Fields) -> Markup {
    html! {
        h2 { (tr(l, "每周时段", "Weekly slots")) }
        div.row {
            label { (tr(l, "开始日期", "First day")) input type="date" name="from" value=(get(f, "from")); }
            label { (tr(l, "结束日期", "Last day")) input type="date" name="until" value=(get(f, "until")); }
            label { (tr(l, "每个时段名额", "Places per slot")) input type="number" min="1" max=(MAX_CAPACITY) name="capacity" value=(get(f, "capacity")); }
        }
        p.hint { (tr(l, "每天的时段写成 09:00-10:00，多个用空格隔开；不开放的一天留空。",
                     "Write each day's slots as 09:00-10:00, separated by spaces; leave a day empty when closed.")) }
        table.week { tbody { @for d in 0..7 { tr {
            th { (tr(l, WEEKDAYS_ZH[d], WEEKDAYS_EN[d])) }
            td { (text_input(f, &format!("w.{d}"), 1000)) }
        } } } }
        label {
            (tr(l, "节假日等不开放的日期（如 2027-01-01，用空格隔开）", "Holidays and other closed days (e.g. 2027-01-01, separated by spaces)"))
            (text_input(f, "closed", 8000))
        }
    }
}

/// The whole form, filled from `f`, with `problems` above it.
fn page_form(
    l: Lang,
    csrf: &str,
    target: &Target<'_>,
    f: &Fields,
    problems: &[String],
    orgs: Option<Markup>,
) -> Markup {
    let category = category_of(get(f, "category")).unwrap_or(OfferingCategory::Course);
    let sessions = uses_sessions(category);
    let choices: Vec<OfferingCategory> = OfferingCategory::ALL
        .into_iter()
        .filter(|c| uses_sessions(*c) == sessions)
        .collect();
    html! {
        @if !problems.is_empty() {
            div.card.problems {
                p.error { (tr(l, "还不能发布，请修改以下内容：", "Not published yet; please fix:")) }
                ul.problems { @for m in problems { li { (m) } } }
            }
        }
        form.offering method="post" action=(form_url(target)) {
            input type="hidden" name="_csrf" value=(csrf);
            @if let Target::Edit { record } = target {
                input type="hidden" name="version" value=(record.item.version);
            }
            div.row {
                label { (tr(l, "名称", "Title")) (text_input(f, "title", 120)) }
                label { (tr(l, "类别", "Category")) select name="category" {
                    @for c in &choices {
                        option value=(c.as_str()) selected[*c == category] { (tr(l, c.label_zh(), c.label_en())) }
                    }
                } }
                @if let Some(orgs) = orgs { label { (tr(l, "发布到", "Publish to")) (orgs) } }
            }
            label { (tr(l, "说明（可选）", "Description (optional)")) textarea name="description" rows="3" maxlength="5000" { (get(f, "description")) } }
            label { (tr(l, "地点", "Place")) (text_input(f, "place", 100)) }
            div.row {
                label { (tr(l, "谁可以报名", "Who may apply")) select name="eligibility" {
                    option value="everyone" selected[get(f, "eligibility") != "members_only"] { (tr(l, "所有职工", "Everyone")) }
                    option value="members_only" selected[get(f, "eligibility") == "members_only"] { (tr(l, "仅限工会会员", "Union members only")) }
                } }
                label { (tr(l, "每人可约数量", "Places per person")) input type="number" min="1" max="100" name="per_person" value=(get(f, "per_person")); }
                label.check { (check(f, "waitlist")) (tr(l, "约满后可排队候补", "Waiting list when full")) }
                label.check { (check(f, "members_first")) (tr(l, "会员优先（候补时会员排在前面）", "Members first (members ahead on the waiting list)")) }
            }
            div.row {
                label { (tr(l, "报名开始（可选）", "Sign-up opens (optional)")) input type="datetime-local" name="opens_at" value=(get(f, "opens_at")); }
                label { (tr(l, "报名截止（可选；每场开始时自动截止）", "Sign-up closes (optional; each session's start closes it)")) input type="datetime-local" name="closes_at" value=(get(f, "closes_at")); }
            }
            @if sessions { (sessions_table(l, f)) } @else { (timetable_fields(l, f)) }
            div.row.actions {
                button type="submit" name="op" value="save" {
                    @if matches!(target, Target::New) { (tr(l, "发布", "Publish")) } @else { (tr(l, "保存修改", "Save changes")) }
                }
                a href=(HERE) { (tr(l, "取消", "Cancel")) }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct NewQuery {
    category: Option<String>,
}

fn title_new(l: Lang, c: OfferingCategory) -> String {
    match l {
        Lang::Zh => format!("新建{}", c.label_zh()),
        Lang::En => match c {
            OfferingCategory::Course => "New course",
            OfferingCategory::Activity => "New activity",
            OfferingCategory::Venue => "New venue",
            OfferingCategory::Consultation => "New consultation service",
        }
        .to_owned(),
    }
}

/// An empty form for a new offering of the category asked for.
pub async fn new(State(state): State<AppState>, s: Publisher, Query(q): Query<NewQuery>) -> Page {
    let category = q
        .category
        .as_deref()
        .and_then(category_of)
        .unwrap_or(OfferingCategory::Course);
    let orgs = org_options(&state, &s).await?;
    let f = blank(category);
    Ok(layout(
        &s,
        &title_new(s.lang, category),
        HERE,
        page_form(
            s.lang,
            &s.csrf,
            &Target::New,
            &f,
            &[],
            Some(org_picker(&orgs, &f)),
        ),
    )
    .into_response())
}

fn org_picker(orgs: &[protocol::staff::Org], f: &Fields) -> Markup {
    let chosen = get(f, "org");
    html! {
        select name="org" {
            @for o in orgs {
                option value=(o.id.0) selected[chosen == o.id.0.to_string()] { (("　".repeat(o.depth as usize))) (o.name) }
            }
        }
    }
}

/// The form drawn again with what was typed and why it was not saved (422), or with more rows.
fn again(
    s: &Publisher,
    title: &str,
    target: &Target<'_>,
    f: &Fields,
    problems: &[String],
    orgs: Option<Markup>,
) -> Response {
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (
        status,
        layout(
            s,
            title,
            HERE,
            page_form(s.lang, &s.csrf, target, f, problems, orgs),
        ),
    )
        .into_response()
}

fn with_more_rows(mut f: Fields) -> Fields {
    let n = (rows(&f) + MORE_ROWS).min(MAX_ROWS);
    f.insert("rows".into(), n.to_string());
    f
}

fn fields_from(pairs: Vec<(String, String)>) -> Fields {
    pairs.into_iter().filter(|(k, _)| k != "_csrf").collect()
}

/// Publishes a new offering at the org chosen (in the publisher's subtree).
pub async fn create(
    State(state): State<AppState>,
    s: Publisher,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Page {
    let l = s.lang;
    let f = fields_from(pairs);
    let category = category_of(get(&f, "category")).unwrap_or(OfferingCategory::Course);
    let title = title_new(l, category);
    let orgs = org_options(&state, &s).await?;
    let picker = || Some(org_picker(&orgs, &f));
    if get(&f, "op") == "more" {
        let f = with_more_rows(f.clone());
        return Ok(again(
            &s,
            &title,
            &Target::New,
            &f,
            &[],
            Some(org_picker(&orgs, &f)),
        ));
    }
    let offering = match read(l, &f, &[]) {
        Ok(o) => o,
        Err(problems) => return Ok(again(&s, &title, &Target::New, &f, &problems, picker())),
    };
    let Ok(org) = get(&f, "org").parse::<i64>() else {
        let problems = [tr(l, "请选择发布到哪个单位。", "Choose where to publish.").to_owned()];
        return Ok(again(&s, &title, &Target::New, &f, &problems, picker()));
    };
    let w = ContentWrite {
        org_id: OrgId(org),
        published: true,
        publish_at: None,
        expire_at: None,
        body: ContentBody::Offering(offering),
    };
    match content::create(&state, s.actor.clone(), w).await {
        Ok(_) => Ok(back(
            HERE,
            tr(
                l,
                "已发布，终端会在几秒内收到。",
                "Published; kiosks get it within seconds.",
            ),
        )),
        Err(e) => {
            e.log_cause();
            Ok(again(&s, &title, &Target::New, &f, &[e.message], picker()))
        }
    }
}

/// The form filled with an offering's current version.
pub async fn edit(State(state): State<AppState>, s: Publisher, Path(id): Path<String>) -> Page {
    let record = load(&state, &s, &id).await?;
    let ContentBody::Offering(o) = &record.item.body else {
        return Err(super::super::page::app_error(
            s.lang,
            crate::error::AppError::not_found(&id),
        ));
    };
    let title = o.title.clone();
    Ok(again(
        &s,
        &title,
        &Target::Edit { record: &record },
        &fields_of(o),
        &[],
        None,
    ))
}

/// Saves the form as a new version of the offering (its org, state and schedule kept).
pub async fn save(
    State(state): State<AppState>,
    s: Publisher,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Page {
    let l = s.lang;
    let record = load(&state, &s, &id).await?;
    let ContentBody::Offering(old) = &record.item.body else {
        return Err(super::super::page::app_error(
            l,
            crate::error::AppError::not_found(&id),
        ));
    };
    let title = old.title.clone();
    let target = Target::Edit { record: &record };
    let f = fields_from(pairs);
    if get(&f, "op") == "more" {
        return Ok(again(&s, &title, &target, &with_more_rows(f), &[], None));
    }
    let mut retired: Vec<String> = match &old.schedule {
        Schedule::Sessions { sessions } => sessions.iter().map(|s| s.key.clone()).collect(),
        Schedule::Timetable(_) => Vec::new(),
    };
    retired.extend(
        crate::places::edits::booked_keys(&state, &id)
            .await
            .map_err(|e| super::super::page::app_error(l, e))?,
    );
    let offering = match read(l, &f, &retired) {
        Ok(o) => o,
        Err(problems) => return Ok(again(&s, &title, &target, &f, &problems, None)),
    };
    let base: u32 = get(&f, "version").parse().unwrap_or(record.item.version);
    let done = content::edit(
        &state,
        s.actor.clone(),
        ContentId(id),
        base,
        ContentBody::Offering(offering),
        record.item.publish_at,
        record.item.expire_at,
    )
    .await;
    let problem = match done {
        Ok(Edited::Saved(r)) => {
            return Ok(back(
                HERE,
                &match l {
                    Lang::Zh => format!("已保存为第 {} 版，终端会在几秒内收到。", r.item.version),
                    Lang::En => format!(
                        "Saved as version {}; kiosks get it within seconds.",
                        r.item.version
                    ),
                },
            ));
        }
        Ok(Edited::Unchanged) => {
            return Ok(back(
                HERE,
                tr(l, "没有改动，无需保存。", "Nothing changed."),
            ));
        }
        Ok(Edited::Stale { current }) => super::super::revisions::stale(l, current),
        Err(e) => {
            e.log_cause();
            e.message
        }
    };
    Ok(again(&s, &title, &target, &f, &[problem], None))
}

/// Takes an offering off the kiosks. Its bookings stay; its places-left figures leave the
/// kiosks with it.
pub async fn unpublish(
    State(state): State<AppState>,
    s: Publisher,
    Path(id): Path<String>,
    CsrfForm(super::super::session::NoFields {}): CsrfForm<super::super::session::NoFields>,
) -> Page {
    content::unpublish(&state, s.actor.clone(), ContentId(id))
        .await
        .map_err(|e| super::super::page::app_error(s.lang, e))?;
    Ok(back(
        HERE,
        tr(
            s.lang,
            "已撤下，已有的预约保留。",
            "Unpublished; existing bookings are kept.",
        ),
    ))
}

/// The buttons that start a new offering of each category, for the list page.
pub fn new_buttons(l: Lang) -> Markup {
    html! {
        p {
            @for c in OfferingCategory::ALL {
                a.button href=(format!("{HERE}/new?category={}", c.as_str())) { (title_new(l, c)) }
                " "
            }
        }
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
        ]);
        let o = read(Lang::Zh, &f, &[]).expect("a venue");
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
