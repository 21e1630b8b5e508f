//! 使用情况 / Usage (issue 19, part 5): what people did at the kiosks of the viewer's subtree
//! over a period — screens opened per module, taps per home tile, the busiest hours, time per
//! module, the searches that found nothing (for the library team), forms started and sent,
//! attract slides shown — drawn by `charts` from `crate::usage`'s counts, and the same counts
//! as CSV. Counts only: nothing here names a kiosk, a person or a moment finer than the hour.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use maud::{Markup, html};
use protocol::usage::kind;
use serde::Deserialize;

use super::charts::{self, Chart, Series};
use super::page::{Page, app_error, layout, ok};
use super::session::Viewer;
use super::{Lang, tr};
use crate::state::AppState;
use crate::usage;
use protocol::OrgId;

/// The periods offered, in days; the first is the default.
const PERIODS: [i64; 3] = [7, 30, 90];
/// Bars per chart and rows per table at most (the largest).
const SHOWN: usize = 15;

/// The period, and which org's subtree (the viewer's own when none; refused outside it).
#[derive(Deserialize)]
pub struct Period {
    days: Option<i64>,
    org: Option<i64>,
}

impl Period {
    /// The query string that keeps the org and sets `days`.
    fn query(&self, days: i64) -> String {
        match self.org {
            Some(org) => format!("days={days}&org={org}"),
            None => format!("days={days}"),
        }
    }

    fn days(&self) -> i64 {
        self.days
            .filter(|d| PERIODS.contains(d))
            .unwrap_or(PERIODS[0])
    }
}

/// The counts of the viewer's subtree over the period, per kind, the largest first.
struct Counts {
    rows: Vec<(String, String, u64)>,
}

impl Counts {
    fn of(&self, kind: &str) -> Vec<(&str, u64)> {
        self.rows
            .iter()
            .filter(|(k, _, _)| k == kind)
            .map(|(_, key, n)| (key.as_str(), *n))
            .collect()
    }

    fn total(&self, kind: &str) -> u64 {
        self.of(kind).iter().map(|(_, n)| n).sum()
    }
}

/// The subtree's path (the viewer's own, or the asked org's within it) and its counts.
async fn counts(
    state: &AppState,
    s: &Viewer,
    p: &Period,
) -> Result<(String, Counts), axum::response::Response> {
    let path = usage::scope(state, s.actor.clone(), p.org.map(OrgId))
        .await
        .map_err(|e| app_error(s.lang, e))?;
    let rows = usage::totals(state, path.clone(), crate::db::now_ms(), p.days() * 24)
        .await
        .map_err(|e| app_error(s.lang, e))?;
    Ok((path, Counts { rows }))
}

/// A screen's name as staff read it.
fn module_name(l: Lang, key: &str) -> String {
    let (zh, en) = match key {
        "home" => ("首页", "Home"),
        "news" => ("信息资讯", "News"),
        "article" => ("文章", "Article"),
        "library" => ("职工书屋", "Library"),
        "book" => ("图书详情", "Book"),
        "search" => ("图书检索", "Book search"),
        "form" => ("表单", "Forms"),
        "status_check" => ("办理查询", "Status check"),
        "places" => ("名额预约", "Limited places"),
        "branch_page" => ("职工之家", "Workers' home"),
        "admin" => ("管理面板", "Admin panel"),
        other => return other.to_owned(),
    };
    tr(l, zh, en).to_owned()
}

fn bars(
    title: String,
    summary: String,
    x_heading: &str,
    series: &str,
    rows: &[(String, u64)],
) -> Chart {
    Chart {
        title,
        summary,
        x_labels: rows.iter().map(|(k, _)| k.clone()).collect(),
        ticks: Vec::new(),
        x_heading: x_heading.to_owned(),
        series: vec![Series {
            name: series.to_owned(),
            values: rows.iter().map(|(_, n)| *n).collect(),
        }],
    }
}

pub async fn page(State(state): State<AppState>, s: Viewer, Query(p): Query<Period>) -> Page {
    let l = s.lang;
    let days = p.days();
    let (path, counts) = counts(&state, &s, &p).await?;
    let orgs = crate::orgs::list(&state, s.actor.clone())
        .await
        .map_err(|e| app_error(l, e))?;
    let busiest = usage::views_by_hour_of_day(&state, path.clone(), crate::db::now_ms(), days * 24)
        .await
        .map_err(|e| app_error(l, e))?;
    let views: Vec<(String, u64)> = counts
        .of(kind::VIEW)
        .into_iter()
        .take(SHOWN)
        .map(|(k, n)| (module_name(l, k), n))
        .collect();
    let taps: Vec<(String, u64)> = counts
        .of(kind::TAP)
        .into_iter()
        .take(SHOWN)
        .map(|(k, n)| (k.to_owned(), n))
        .collect();
    let minutes: Vec<(String, u64)> = counts
        .of(kind::SECONDS)
        .into_iter()
        .take(SHOWN)
        .map(|(k, n)| (module_name(l, k), n.div_ceil(60)))
        .collect();
    let hours: Vec<(String, u64)> = busiest
        .iter()
        .enumerate()
        .map(|(h, n)| (format!("{h:02}:00"), *n))
        .collect();
    let failed = counts.of(kind::FAILED_SEARCH);
    let started = counts.of(kind::FORM_STARTED);
    let submitted = counts.of(kind::FORM_SUBMITTED);
    let slides = counts.of(kind::SLIDE);
    let ids: Vec<String> = started
        .iter()
        .chain(&submitted)
        .take(2 * SHOWN)
        .map(|(id, _)| (*id).to_owned())
        .collect();
    let titles = usage::form_titles(&state, path, ids)
        .await
        .map_err(|e| app_error(l, e))?;
    let searches = counts.total(kind::SEARCH);
    let nothing = counts.total(kind::FAILED_SEARCH);
    let period = |d: i64| match l {
        Lang::Zh => format!("最近 {d} 天"),
        Lang::En => format!("Last {d} days"),
    };
    ok(layout(
        &s,
        tr(l, "使用情况", "Usage"),
        "/console/usage",
        html! {
            p.hint { (tr(l,
                "终端只上报按小时汇总的次数，不记录任何个人信息；未找到结果的图书检索词已去除数字串并截短。",
                "Kiosks report counts per hour only, never anything personal; searches that found nothing are kept without digit runs and cut short.")) }
            form.search method="get" action="/console/usage" {
                select name="org" aria-label=(tr(l, "单位", "Org")) {
                    @for o in &orgs {
                        option value=(o.id.0) selected[p.org == Some(o.id.0)] { (("　".repeat(o.depth as usize))) (o.name) }
                    }
                }
                input type="hidden" name="days" value=(days);
                button type="submit" { (tr(l, "查看", "Show")) }
            }
            nav.periods {
                @for d in PERIODS {
                    @if d == days { strong { (period(d)) } } @else { a href={ "/console/usage?" (p.query(d)) } { (period(d)) } }
                    " "
                }
                a href={ "/console/usage.csv?" (p.query(days)) } { (tr(l, "导出 CSV", "Export CSV")) }
            }
            @if counts.rows.is_empty() {
                p.hint { (tr(l, "这段时间还没有使用记录。", "No usage counted in this period yet.")) }
            } @else {
                div.charts {
                    (charts::stacked_bars(l, &bars(
                        tr(l, "各模块打开次数", "Screens opened per module").to_owned(),
                        tr(l, "每个模块被打开的次数。", "How often each module was opened.").to_owned(),
                        tr(l, "模块", "Module"), tr(l, "打开次数", "Opened"), &views), (520, 260)))
                    (charts::stacked_bars(l, &bars(
                        tr(l, "首页各磁贴点击次数", "Taps per home tile").to_owned(),
                        tr(l, "首页每个磁贴被点击的次数。", "How often each home tile was tapped.").to_owned(),
                        tr(l, "磁贴", "Tile"), tr(l, "点击", "Taps"), &taps), (520, 260)))
                    (charts::stacked_bars(l, &bars(
                        tr(l, "繁忙时段（北京时间）", "Busiest hours (China time)").to_owned(),
                        tr(l, "每个钟点打开页面的总次数。", "Screens opened in each hour of the day.").to_owned(),
                        tr(l, "时段", "Hour"), tr(l, "打开次数", "Opened"), &hours), (520, 260)))
                    (charts::stacked_bars(l, &bars(
                        tr(l, "各模块停留时间（分钟）", "Time per module (minutes)").to_owned(),
                        tr(l, "有人使用时每个模块停留的分钟数。", "Minutes spent on each module while in use.").to_owned(),
                        tr(l, "模块", "Module"), tr(l, "分钟", "Minutes"), &minutes), (520, 260)))
                }
                h2 { (tr(l, "未找到结果的检索", "Searches that found nothing")) }
                p { (match l {
                    Lang::Zh => format!("共检索 {searches} 次，其中 {nothing} 次没有结果。"),
                    Lang::En => format!("{searches} searches, {nothing} of them found nothing."),
                }) }
                (table(l, tr(l, "检索词", "Query"), tr(l, "次数", "Times"), &failed))
                h2 { (tr(l, "表单", "Forms")) }
                table {
                    thead { tr { th { (tr(l, "表单", "Form")) } th { (tr(l, "打开", "Started")) } th { (tr(l, "提交", "Sent")) } } }
                    tbody {
                        @for (form, n) in started.iter().take(SHOWN) {
                            tr {
                                td { @if let Some(title) = titles.get(*form) { (title) } @else { code { (form) } } }
                                td { (n) }
                                td { (submitted.iter().find(|(f, _)| f == form).map_or(0, |(_, n)| *n)) }
                            }
                        }
                    }
                }
                h2 { (tr(l, "屏保轮播展示次数", "Attract slides shown")) }
                (table(l, tr(l, "幻灯片", "Slide"), tr(l, "展示次数", "Shown"), &slides))
            }
        },
    ))
}

fn table(l: Lang, key: &str, count: &str, rows: &[(&str, u64)]) -> Markup {
    html! {
        @if rows.is_empty() {
            p.hint { (tr(l, "无", "None")) }
        } @else {
            table {
                thead { tr { th { (key) } th { (count) } } }
                tbody {
                    @for (k, n) in rows.iter().take(SHOWN) {
                        tr { td { @if k.is_empty() { em { (tr(l, "（含数字串，未保留）", "(held digits, not kept)")) } } @else { (k) } } td { (n) } }
                    }
                }
            }
        }
    }
}

/// A cell Excel will not run as a formula (OWASP's advice for CSV injection).
fn spreadsheet_safe(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// The counts as CSV for Excel (UTF-8 with a byte-order mark): kind, key, count.
fn csv(rows: &[(String, String, u64)]) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::from(&b"\xEF\xBB\xBF"[..]);
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(["类别 kind", "项目 key", "次数 count"])?;
        for (kind, key, n) in rows {
            w.write_record([kind.clone(), spreadsheet_safe(key), n.to_string()])?;
        }
        w.flush()?;
    }
    Ok(out)
}

/// The period's counts as CSV (`/console/usage.csv?days=`).
pub async fn export(State(state): State<AppState>, s: Viewer, Query(p): Query<Period>) -> Page {
    let (_, counts) = counts(&state, &s, &p).await?;
    let out = csv(&counts.rows).map_err(|e| {
        app_error(
            s.lang,
            crate::error::AppError::internal("writing the usage csv", e),
        )
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"usage.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}
