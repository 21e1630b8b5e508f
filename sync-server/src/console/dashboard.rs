//! The dashboard: the fleet's health, submissions waiting, recent publishing, and charts of
//! the subtree's kiosks online over the last 7 days and submissions per week by form and status
//! (`crate::trends`'s counts drawn by `charts`).

use axum::extract::State;
use maud::html;
use protocol::ContentKind;
use protocol::workflow::Health;

use super::charts::{self, Chart, Series};
use super::news::{RowActions, news_table};
use super::page::{Page, app_error, layout, ok, status_name};
use super::session::Viewer;
use super::{Lang, tr};
use crate::content::{self, ListQuery};
use crate::kiosks;
use crate::staff::roles::gate;
use crate::state::AppState;
use crate::trends;
use crate::workflow::inbox::{self, Filter};

/// The kiosks chart's span: the last 7 days, hour by hour.
const HOURS: i64 = 7 * 24;
/// The submissions charts' span, in weeks, and how many forms get a chart.
const WEEKS: i64 = 8;
const FORMS_CHARTED: usize = 4;
/// The overdue chart's orgs at most (the most overdue).
const ORGS_CHARTED: u32 = 12;

pub async fn dashboard(State(state): State<AppState>, s: Viewer) -> Page {
    let l = s.lang;
    let fleet = kiosks::list(&state, s.actor.clone())
        .await
        .map_err(|e| app_error(l, e))?;
    let live: Vec<_> = fleet.iter().filter(|k| k.revoked_at.is_none()).collect();
    let count = |h: Health| live.iter().filter(|k| k.health == h).count();
    // Submissions waiting: a case handler's tile only.
    let waiting = if s.opens::<gate::Cases>() {
        let list = inbox::list(
            &state,
            s.actor.clone(),
            Filter {
                status: Some("received".into()),
                limit: Some(10_000),
                ..Filter::default()
            },
        )
        .await
        .map_err(|e| app_error(l, e))?;
        Some(list.len())
    } else {
        None
    };
    let recent = content::list(
        &state,
        s.actor.clone(),
        ListQuery {
            kind: Some(ContentKind::News),
            org_id: None,
            limit: Some(8),
            offset: None,
        },
    )
    .await
    .map_err(|e| app_error(l, e))?;
    let now = crate::db::now_ms();
    let online = trends::online_by_hour(&state, s.actor.clone(), now, HOURS)
        .await
        .map_err(|e| app_error(l, e))?;
    // What comes in and what is overdue are cases: charted for case handlers only, as the
    // waiting tile is.
    let cases = if s.opens::<gate::Cases>() {
        let weekly = trends::submissions_by_week(&state, s.actor.clone(), now, WEEKS)
            .await
            .map_err(|e| app_error(l, e))?;
        let overdue = trends::overdue_by_org(&state, s.actor.clone(), now, ORGS_CHARTED)
            .await
            .map_err(|e| app_error(l, e))?;
        Some((weekly, overdue))
    } else {
        None
    };
    ok(layout(
        &s,
        tr(l, "概览", "Dashboard"),
        "/console/",
        html! {
            div.tiles {
                div.tile.good { strong { (count(Health::Online)) } span { (tr(l, "台终端在线", "kiosks online")) } }
                div.tile.warn { strong { (count(Health::Stale)) } span { (tr(l, "台内容滞后", "kiosks stale")) } }
                div.tile.bad { strong { (count(Health::Offline)) } span { (tr(l, "台离线", "kiosks offline")) } }
                @if let Some(waiting) = waiting {
                    a.tile href="/console/submissions?status=received" { strong { (waiting) } span { (tr(l, "件待办理", "submissions waiting")) } }
                }
            }
            h2 { (tr(l, "趋势", "Trends")) }
            (charts::line(l, &online_chart(l, now, &online), (1000, 260)))
            @if let Some((weekly, overdue)) = &cases {
                @if weekly.forms.is_empty() {
                    p.hint { (tr(l, "最近 8 周没有收到办理事项。", "No submissions in the last 8 weeks.")) }
                } @else {
                    div.charts {
                        @for form in weekly.forms.iter().take(FORMS_CHARTED) {
                            (charts::stacked_bars(l, &form_chart(l, &weekly.weeks, form), (520, 260)))
                        }
                    }
                    @if weekly.forms.len() > FORMS_CHARTED {
                        p.hint { (tr(l, "只画出提交最多的 4 个表单。", "Only the 4 most submitted forms are drawn.")) }
                    }
                }
                @if overdue.is_empty() {
                    p.hint { (tr(l, "没有超期未办结的事项。", "No case is overdue.")) }
                } @else {
                    (charts::stacked_bars(l, &overdue_chart(l, overdue), (1000, 260)))
                }
            }
            h2 { (tr(l, "最近发布", "Recent publishing")) }
            (news_table(l, &recent, RowActions::None))
        },
    ))
}

/// Month and day in China time, `11/24`.
fn day(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .unwrap_or_default()
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .strftime("%m/%d")
        .to_string()
}

/// Kiosks online hour by hour over the last 7 days, a tick at each China-time midnight.
fn online_chart(l: Lang, now: i64, counts: &[u64]) -> Chart {
    let starts: Vec<i64> = (0..counts.len())
        .map(|i| trends::hour_start(now, HOURS, i))
        .collect();
    let x_labels = starts
        .iter()
        .map(|&ms| {
            let hour =
                (ms + 8 * trends::HOUR_MS).rem_euclid(24 * trends::HOUR_MS) / trends::HOUR_MS;
            format!("{} {hour:02}:00", day(ms))
        })
        .collect();
    let ticks = starts
        .iter()
        .enumerate()
        .filter(|(_, ms)| (**ms + 8 * trends::HOUR_MS).rem_euclid(24 * trends::HOUR_MS) == 0)
        .map(|(i, _)| i)
        .collect();
    let peak = counts.iter().copied().max().unwrap_or(0);
    let latest = counts.last().copied().unwrap_or(0);
    Chart {
        title: tr(
            l,
            "最近 7 天在线终端数（每小时）",
            "Kiosks online over the last 7 days (by hour)",
        )
        .to_owned(),
        summary: match l {
            Lang::Zh => {
                format!("每小时发来心跳的终端数。最近一小时 {latest} 台，7 天内最多 {peak} 台。")
            }
            Lang::En => format!(
                "Kiosks that sent a heartbeat in each hour. {latest} in the latest hour, at most {peak} in the 7 days."
            ),
        },
        x_labels,
        ticks,
        x_heading: tr(l, "时间（北京时间）", "Hour (China time)").to_owned(),
        series: vec![Series {
            name: tr(l, "在线终端", "Kiosks online").to_owned(),
            values: counts.to_vec(),
        }],
    }
}

/// One form's submissions per week, stacked by status.
fn form_chart(l: Lang, weeks: &[i64], form: &trends::FormWeeks) -> Chart {
    Chart {
        title: match l {
            Lang::Zh => format!("{}：每周提交（按状态）", form.title),
            Lang::En => format!("{}: submissions per week (by status)", form.title),
        },
        summary: match l {
            Lang::Zh => format!("最近 8 周共 {} 件，按当前状态分色。", form.total),
            Lang::En => format!(
                "{} in the last 8 weeks, coloured by their status now.",
                form.total
            ),
        },
        x_labels: weeks.iter().map(|&ms| day(ms)).collect(),
        ticks: Vec::new(),
        x_heading: tr(l, "周（自周一）", "Week of").to_owned(),
        series: form
            .by_status
            .iter()
            .map(|(status, values)| Series {
                name: status_name(l, *status).to_owned(),
                values: values.clone(),
            })
            .collect(),
    }
}

/// Open cases past their due time, by org.
fn overdue_chart(l: Lang, overdue: &[(String, u64)]) -> Chart {
    let total: u64 = overdue.iter().map(|(_, n)| n).sum();
    Chart {
        title: tr(l, "超期未办结事项（按单位）", "Overdue cases by org").to_owned(),
        summary: match l {
            Lang::Zh => {
                format!("已过答复期限、仍在受理或办理中的事项，共 {total} 件，按所属单位。")
            }
            Lang::En => format!(
                "{total} cases past their reply deadline and still open, by the org they belong to."
            ),
        },
        x_labels: overdue.iter().map(|(org, _)| org.clone()).collect(),
        ticks: Vec::new(),
        x_heading: tr(l, "单位", "Org").to_owned(),
        series: vec![Series {
            name: tr(l, "超期事项", "Overdue cases").to_owned(),
            values: overdue.iter().map(|(_, n)| *n).collect(),
        }],
    }
}
