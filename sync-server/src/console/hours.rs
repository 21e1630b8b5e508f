//! Opening hours: per weekday one or more ranges (empty: closed all day), holidays (dates
//! closed) and special days (dates with their own hours, e.g. 调休 working Saturdays), for one
//! org of the user's subtree. Outside them the org's kiosks show a clock; no hours on the org's
//! path means always open.
//!
//! Staff type plain text (`09:00-12:00, 13:30-17:30`; one date per line); what they typed is
//! parsed here and every problem is named in a sentence, with the form kept as typed.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use maud::{Markup, html};
use protocol::OrgId;
use protocol::content::hours::{SpecialDay, TimeRange, WEEKDAYS, china_time, weekday_zh};
use protocol::content::{ContentBody, OpeningHours};
use serde::Deserialize;

use super::page::{Page, app_error, flash, layout, org_options, urlencode, when};
use super::session::{CsrfForm, Publisher, Session};
use super::{Lang, tr};
use crate::content::Upserted;
use crate::content::hours::{self, HoursAt};
use crate::state::AppState;

pub const HERE: &str = "/console/hours";
/// A date range on one line covers at most this many days.
const MAX_SPAN_DAYS: i32 = 62;

#[derive(Debug, Default, Deserialize)]
pub struct HoursQuery {
    org: Option<i64>,
    ok: Option<String>,
    err: Option<String>,
}

/// The form as typed: one text per weekday, holidays, special days.
#[derive(Debug, Default, Deserialize)]
pub struct HoursForm {
    org: i64,
    #[serde(default)]
    d0: String,
    #[serde(default)]
    d1: String,
    #[serde(default)]
    d2: String,
    #[serde(default)]
    d3: String,
    #[serde(default)]
    d4: String,
    #[serde(default)]
    d5: String,
    #[serde(default)]
    d6: String,
    #[serde(default)]
    closed: String,
    #[serde(default)]
    special: String,
}

impl HoursForm {
    fn days(&self) -> [&str; 7] {
        [
            &self.d0, &self.d1, &self.d2, &self.d3, &self.d4, &self.d5, &self.d6,
        ]
    }

    /// The form as stored hours would fill it; dates already past are left out, so saving
    /// again drops them.
    fn of(org: i64, h: &OpeningHours, today: Date) -> HoursForm {
        let day = |i: usize| h.week.get(i).map(|r| ranges_text(r)).unwrap_or_default();
        let mut closed: Vec<Date> = h
            .closed_dates
            .iter()
            .copied()
            .filter(|d| *d >= today)
            .collect();
        closed.sort();
        let mut special: Vec<&SpecialDay> =
            h.special_days.iter().filter(|d| d.date >= today).collect();
        special.sort_by_key(|d| d.date);
        HoursForm {
            org,
            d0: day(0),
            d1: day(1),
            d2: day(2),
            d3: day(3),
            d4: day(4),
            d5: day(5),
            d6: day(6),
            closed: runs(&closed).join("\n"),
            special: special
                .iter()
                .map(|d| format!("{} {}", d.date, ranges_text(&d.hours)))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// The hours typed, or every problem found, each a sentence.
    fn parse(&self, today: Date) -> Result<OpeningHours, Vec<String>> {
        let mut problems = Vec::new();
        let mut week = Vec::with_capacity(7);
        for (day, text) in WEEKDAYS.iter().zip(self.days()) {
            match parse_ranges(weekday_zh(*day), text) {
                Ok(r) => week.push(r),
                Err(e) => {
                    problems.push(e);
                    week.push(Vec::new());
                }
            }
        }
        let unread_day = !problems.is_empty();
        let mut closed_dates = Vec::new();
        for (n, line) in lines(&self.closed) {
            match parse_date_line(line, today) {
                Ok(mut dates) => closed_dates.append(&mut dates),
                Err(e) => problems.push(format!("休息日第 {n} 行：{e}")),
            }
        }
        let mut special_days = Vec::new();
        for (n, line) in lines(&self.special) {
            match parse_special_line(line, today) {
                Ok(day) => special_days.push(day),
                Err(e) => problems.push(format!("特殊开放日第 {n} 行：{e}")),
            }
        }
        let hours = OpeningHours {
            week,
            closed_dates,
            special_days,
        };
        // What could be read is checked too, so one save names every problem; but a week that
        // looks closed only because a day could not be read is not one of them.
        let week_unread = unread_day && hours.week.iter().all(Vec::is_empty);
        if let Err(found) = ContentBody::OpeningHours(hours.clone()).validate() {
            problems.extend(
                found
                    .into_iter()
                    .filter(|p| !(week_unread && p.field == "week"))
                    .map(|p| p.message),
            );
        }
        if problems.is_empty() {
            Ok(hours)
        } else {
            Err(problems)
        }
    }
}

/// Non-empty lines with their numbers from 1.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
}

fn ranges_text(ranges: &[TimeRange]) -> String {
    ranges
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Sorted dates written back as lines, consecutive days as one `from~to` line.
fn runs(dates: &[Date]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < dates.len() {
        let mut j = i;
        while j + 1 < dates.len() && dates[j].tomorrow().ok() == Some(dates[j + 1]) {
            j += 1;
        }
        out.push(if i == j {
            dates[i].to_string()
        } else {
            format!("{}~{}", dates[i], dates[j])
        });
        i = j + 1;
    }
    out
}

/// One day's ranges, `09:00-12:00, 13:30-17:30`; empty (or 休息) is closed all day.
fn parse_ranges(day: &str, text: &str) -> Result<Vec<TimeRange>, String> {
    let text = text.trim();
    if text.is_empty() || text == "休息" {
        return Ok(Vec::new());
    }
    let normal: String = text
        .chars()
        .map(|c| match c {
            '–' | '—' | '~' | '～' | '至' | '到' | '－' => '-',
            '，' | '、' | ';' | '；' => ',',
            c => c,
        })
        .collect();
    let normal = normal.replace(" -", "-").replace("- ", "-");
    let mut out = Vec::new();
    for piece in normal
        .split([',', ' '])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let range = piece.split_once('-').and_then(|(a, b)| {
            Some(TimeRange {
                open: a.parse().ok()?,
                close: b.parse().ok()?,
            })
        });
        match range {
            Some(r) => out.push(r),
            None => {
                return Err(format!(
                    "{day}：“{text}”不是开放时间段，请写成 09:00-12:00 这样（多个时间段用逗号隔开，留空表示全天休息）"
                ));
            }
        }
    }
    Ok(out)
}

fn parse_date(text: &str, today: Date) -> Result<Date, String> {
    let d: Date = text
        .trim()
        .parse()
        .map_err(|_| format!("“{}”不是日期，请写成 2026-10-01 这样", text.trim()))?;
    if d < today {
        return Err(format!("{d} 已经过去了，请删去"));
    }
    Ok(d)
}

/// `2026-10-01`, or a span `2026-10-01~2026-10-07` (also 至 / 到).
fn parse_date_line(line: &str, today: Date) -> Result<Vec<Date>, String> {
    let split = line
        .split_once(['~', '～', '至', '到'])
        .map(|(a, b)| (a.to_owned(), b.to_owned()));
    let Some((from, to)) = split else {
        return parse_date(line, today).map(|d| vec![d]);
    };
    let (from, to) = (parse_date(&from, today)?, parse_date(&to, today)?);
    if to < from {
        return Err(format!("{from} 到 {to}：结束日期早于开始日期"));
    }
    let mut dates = vec![from];
    let mut d = from;
    while d < to {
        d = d.tomorrow().map_err(|_| "日期超出范围".to_owned())?;
        dates.push(d);
        if dates.len() > MAX_SPAN_DAYS as usize {
            return Err(format!("一行最多写 {MAX_SPAN_DAYS} 天"));
        }
    }
    Ok(dates)
}

/// `2026-10-10 09:00-17:00` (the date, then that day's ranges).
fn parse_special_line(line: &str, today: Date) -> Result<SpecialDay, String> {
    let (date, ranges) = line.split_once([' ', '\t', '　']).unwrap_or((line, ""));
    let date = parse_date(date, today)?;
    let label = date.to_string();
    let hours = parse_ranges(&label, ranges)?;
    if hours.is_empty() {
        return Err(format!(
            "{label} 后面要写开放时间，例如 {label} 09:00-17:00；全天休息请写在休息日里"
        ));
    }
    Ok(SpecialDay { date, hours })
}

fn today() -> Date {
    china_time(jiff::Timestamp::now()).date()
}

fn here(org: i64) -> String {
    format!("{HERE}?org={org}")
}

pub async fn page(
    State(state): State<AppState>,
    s: Publisher,
    Query(q): Query<HoursQuery>,
) -> Page {
    let org = q.org.unwrap_or(s.info.org_id.0);
    let at = hours::at(&state, s.actor.clone(), OrgId(org))
        .await
        .map_err(|e| app_error(s.lang, e))?;
    let form = at
        .own
        .as_ref()
        .map(|own| HoursForm::of(org, &own.hours, today()))
        .unwrap_or(HoursForm {
            org,
            ..HoursForm::default()
        });
    let notice = super::page::Notice {
        ok: q.ok,
        err: q.err,
    };
    let body = render(&state, &s, &at, &form, &[], html! { (flash(&notice)) }).await?;
    Ok(body.into_response())
}

pub async fn save(
    State(state): State<AppState>,
    s: Publisher,
    CsrfForm(f): CsrfForm<HoursForm>,
) -> Page {
    let l = s.lang;
    let org = OrgId(f.org);
    // The org is checked before anything is said about what was typed.
    let at = hours::at(&state, s.actor.clone(), org)
        .await
        .map_err(|e| app_error(l, e))?;
    let parsed = match f.parse(today()) {
        Ok(parsed) => parsed,
        Err(problems) => {
            let page = render(&state, &s, &at, &f, &problems, html! {}).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let done = hours::set(&state, s.actor.clone(), org, parsed)
        .await
        .map_err(|e| app_error(l, e))?;
    let message = match done {
        Upserted::Unchanged => tr(l, "开放时间没有变化。", "Nothing changed."),
        _ => tr(
            l,
            "已保存，终端会在几秒内按新的开放时间运行。",
            "Saved; kiosks follow the new hours within seconds.",
        ),
    };
    Ok(redirect_ok(f.org, message))
}

#[derive(Deserialize)]
pub struct OrgOnly {
    org: i64,
}

pub async fn clear(
    State(state): State<AppState>,
    s: Publisher,
    CsrfForm(f): CsrfForm<OrgOnly>,
) -> Page {
    hours::clear(&state, s.actor.clone(), OrgId(f.org))
        .await
        .map_err(|e| app_error(s.lang, e))?;
    Ok(redirect_ok(
        f.org,
        tr(
            s.lang,
            "已删除本单位的开放时间。",
            "This org's opening hours were removed.",
        ),
    ))
}

fn redirect_ok(org: i64, message: &str) -> Response {
    Redirect::to(&format!("{}&ok={}", here(org), urlencode(message))).into_response()
}

/// The page: which org, what its kiosks go by now, and the form.
async fn render(
    state: &AppState,
    s: &Session,
    at: &HoursAt,
    form: &HoursForm,
    problems: &[String],
    notice: Markup,
) -> Result<Markup, Response> {
    let l = s.lang;
    let orgs = org_options(state, s).await?;
    let org = form.org;
    Ok(layout(
        s,
        tr(l, "开放时间", "Opening hours"),
        HERE,
        html! {
            (notice)
            form.search method="get" action=(HERE) {
                select name="org" {
                    @for o in &orgs {
                        option value=(o.id.0) selected[o.id.0 == org] { (("　".repeat(o.depth as usize))) (o.name) }
                    }
                }
                button type="submit" { (tr(l, "查看", "Show")) }
            }
            p.hint {
                (summary(l, at))
                @if let Some(own) = &at.own {
                    " " a href=(super::revisions::history_url(&own.id)) { (tr(l, "修改记录", "History")) }
                }
            }
            @if !problems.is_empty() {
                div.error-list {
                    p.error { (tr(l, "没有保存，请改正以下问题：", "Not saved; please fix:")) }
                    ul { @for p in problems { li { (p) } } }
                }
            }
            form.card.hours method="post" action=(HERE) {
                input type="hidden" name="_csrf" value=(s.csrf);
                input type="hidden" name="org" value=(org);
                h2 { (tr(l, "每周开放时间", "Weekly hours")) }
                p.hint { (tr(l, "按中国时间（北京时间）。每天可以写几个时间段，用逗号隔开，例如 09:00-12:00, 13:30-17:30；留空表示全天休息。",
                    "China time (UTC+8). Several ranges a day, separated by commas, e.g. 09:00-12:00, 13:30-17:30; empty means closed all day.")) }
                table.week { tbody {
                    @for (i, day) in WEEKDAYS.iter().enumerate() {
                        tr {
                            th { label for=(format!("d{i}")) { (weekday_label(l, i, *day)) } }
                            td { input id=(format!("d{i}")) name=(format!("d{i}")) value=(form.days()[i]) placeholder=(tr(l, "休息", "Closed")) autocomplete="off"; }
                        }
                    }
                } }
                div.split {
                    label {
                        (tr(l, "休息日（节假日，全天不开放）：每行一个日期，或一段日期", "Holidays (closed all day): one date or span per line"))
                        textarea name="closed" rows="8" placeholder="2026-10-01~2026-10-07" { (form.closed) }
                    }
                    label {
                        (tr(l, "特殊开放日（如调休上班的周六）：每行一个日期和当天的时间段", "Special days (e.g. a working Saturday): a date and its ranges per line"))
                        textarea name="special" rows="8" placeholder="2026-10-11 09:00-17:00" { (form.special) }
                    }
                }
                p.hint { (tr(l, "已经过去的日期会自动去掉。", "Dates already past are dropped.")) }
                button type="submit" { (tr(l, "保存开放时间", "Save opening hours")) }
            }
            @if at.own.is_some() {
                form method="post" action="/console/hours/clear" {
                    input type="hidden" name="_csrf" value=(s.csrf);
                    input type="hidden" name="org" value=(org);
                    button.danger type="submit" data-confirm=(tr(l, "删除后，本单位的终端按上级单位的开放时间运行（上级也没有设置则全天开放）。确定删除？", "Kiosks will follow the parent org's hours (or stay open). Remove?")) {
                        (tr(l, "删除本单位的开放时间", "Remove this org's hours"))
                    }
                }
            }
        },
    ))
}

fn weekday_label(l: Lang, i: usize, day: jiff::civil::Weekday) -> &'static str {
    match l {
        Lang::Zh => weekday_zh(day),
        Lang::En => [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ][i],
    }
}

/// What the org's kiosks go by now, in a sentence.
fn summary(l: Lang, at: &HoursAt) -> String {
    match (&at.own, &at.inherited, l) {
        (Some(own), _, Lang::Zh) => {
            format!("本单位已设置开放时间（{} 更新）。", when(own.updated_at))
        }
        (Some(own), _, Lang::En) => {
            format!("This org set its hours (updated {}).", when(own.updated_at))
        }
        (None, Some((name, _)), Lang::Zh) => {
            format!(
                "本单位没有设置开放时间，终端按上级单位“{name}”的开放时间运行。在这里保存即可单独设置。"
            )
        }
        (None, Some((name, _)), Lang::En) => {
            format!("This org set no hours; its kiosks follow {name}'s. Save here to set its own.")
        }
        (None, None, Lang::Zh) => "本单位及上级单位都没有设置开放时间：终端全天开放。".to_owned(),
        (None, None, Lang::En) => {
            "Neither this org nor a parent set hours: kiosks are always open.".to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 9, 28);

    fn form(days: [&str; 7], closed: &str, special: &str) -> HoursForm {
        HoursForm {
            org: 1,
            d0: days[0].to_owned(),
            d1: days[1].to_owned(),
            d2: days[2].to_owned(),
            d3: days[3].to_owned(),
            d4: days[4].to_owned(),
            d5: days[5].to_owned(),
            d6: days[6].to_owned(),
            closed: closed.to_owned(),
            special: special.to_owned(),
        }
    }

    const WORKDAYS: [&str; 7] = [
        "09:00-12:00, 13:30-17:30",
        "9:00 - 17:30",
        "09:00～17:30",
        "09:00至17:30",
        "09:00-12:00，13:30-17:30",
        "",
        "休息",
    ];

    #[test]
    fn a_typical_week_with_holidays_and_a_working_saturday() {
        let f = form(
            WORKDAYS,
            "2026-10-01~2026-10-07\n\n2026-12-31",
            "2026-10-10 09:00-17:00",
        );
        let h = f.parse(TODAY).expect("parses");
        assert_eq!(h.week[0].len(), 2);
        assert_eq!(h.week[1][0].to_string(), "09:00-17:30");
        assert!(h.week[5].is_empty() && h.week[6].is_empty());
        assert_eq!(h.closed_dates.len(), 8);
        assert_eq!(h.special_days[0].date, date(2026, 10, 10));
        // Written back: spans become one line again.
        let again = HoursForm::of(1, &h, TODAY);
        assert_eq!(again.closed, "2026-10-01~2026-10-07\n2026-12-31");
        assert_eq!(again.d0, "09:00-12:00, 13:30-17:30");
        assert_eq!(again.special, "2026-10-10 09:00-17:00");
        assert_eq!(again.parse(TODAY), Ok(h.clone()));
        // A date past by now is left out when the form is filled again.
        assert_eq!(
            HoursForm::of(1, &h, date(2026, 10, 5)).closed,
            "2026-10-05~2026-10-07\n2026-12-31"
        );
    }

    #[test]
    fn every_problem_is_a_sentence() {
        let mut days = WORKDAYS;
        days[0] = "9点到5点";
        days[1] = "09:00-12:00, 11:00-14:00";
        days[2] = "18:00-09:00";
        let f = form(
            days,
            "2026-09-01\n2026-10-0x\n2026-10-07~2026-10-01",
            "2026-10-10\n2026-10-11 25:00-26:00",
        );
        let problems = f.parse(TODAY).expect_err("refused");
        assert_eq!(
            problems,
            [
                "周一：“9点到5点”不是开放时间段，请写成 09:00-12:00 这样（多个时间段用逗号隔开，留空表示全天休息）",
                "休息日第 1 行：2026-09-01 已经过去了，请删去",
                "休息日第 2 行：“2026-10-0x”不是日期，请写成 2026-10-01 这样",
                "休息日第 3 行：2026-10-07 到 2026-10-01：结束日期早于开始日期",
                "特殊开放日第 1 行：2026-10-10 后面要写开放时间，例如 2026-10-10 09:00-17:00；全天休息请写在休息日里",
                "特殊开放日第 2 行：2026-10-11：“25:00-26:00”不是开放时间段，请写成 09:00-12:00 这样（多个时间段用逗号隔开，留空表示全天休息）",
                "周二 09:00-12:00 与 11:00-14:00 重叠",
                "周三 18:00-09:00：关门时间必须晚于开门时间（不支持跨过午夜的时间段）",
            ]
        );
        // Once it parses, the protocol's checks speak: overlaps, backwards ranges.
        let mut days = WORKDAYS;
        days[1] = "09:00-12:00, 11:00-14:00";
        days[2] = "18:00-09:00";
        let problems = form(days, "", "").parse(TODAY).expect_err("refused");
        assert_eq!(
            problems,
            [
                "周二 09:00-12:00 与 11:00-14:00 重叠",
                "周三 18:00-09:00：关门时间必须晚于开门时间（不支持跨过午夜的时间段）",
            ]
        );
        let closed_all_week = form([""; 7], "", "").parse(TODAY).expect_err("refused");
        assert_eq!(closed_all_week.len(), 1);
        // A week that only looks closed because its one day could not be read: one problem.
        let mut days = [""; 7];
        days[0] = "早九晚五";
        let unread = form(days, "", "").parse(TODAY).expect_err("refused");
        assert_eq!(unread.len(), 1, "{unread:?}");
    }
}
