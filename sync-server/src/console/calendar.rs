//! The publishing calendar (发布日程): a month of the user's subtree, each day with the items
//! that go up (publish-at) or come down (expire-at) on it, scheduled or already expired, each
//! linking to its editor, where the schedule is changed. Publishers only.

use axum::extract::{Query, State};
use jiff::ToSpan;
use jiff::civil::Date;
use jiff::tz::{TimeZone, offset};
use maud::{Markup, html};
use protocol::staff::{ContentRecord, ContentState};
use serde::Deserialize;

use super::page::{Page, app_error, layout, ok};
use super::revisions::{edit_url, item_title};
use super::session::Publisher;
use super::{Lang, tr};
use crate::content;
use crate::state::AppState;

pub const HERE: &str = "/console/calendar";

#[derive(Debug, Default, Deserialize)]
pub struct MonthQuery {
    /// `YYYY-MM`; this month (China time) when absent or unreadable.
    month: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum What {
    /// Goes up later.
    Scheduled,
    /// Went up.
    Published,
    /// Comes down later.
    Expiring,
    /// Came down.
    Expired,
}

impl What {
    fn class(self) -> &'static str {
        match self {
            What::Scheduled => "ev scheduled",
            What::Published => "ev published",
            What::Expiring => "ev expiring",
            What::Expired => "ev expired",
        }
    }

    fn label(self, l: Lang) -> &'static str {
        match self {
            What::Scheduled => tr(l, "定时发布", "Goes live"),
            What::Published => tr(l, "已上线", "Went live"),
            What::Expiring => tr(l, "将到期", "Expires"),
            What::Expired => tr(l, "已过期", "Expired"),
        }
    }
}

struct Entry<'a> {
    at: jiff::Zoned,
    what: What,
    record: &'a ContentRecord,
}

fn china() -> TimeZone {
    TimeZone::fixed(offset(8))
}

/// The first day of the month asked for, or of this one.
fn first_day(q: &MonthQuery, now: jiff::Timestamp) -> Date {
    q.month
        .as_deref()
        .and_then(|m| format!("{m}-01").parse::<Date>().ok())
        .unwrap_or_else(|| now.to_zoned(china()).date().first_of_month())
}

fn month_link(d: Date) -> String {
    format!("{HERE}?month={}", d.strftime("%Y-%m"))
}

pub async fn month(
    State(state): State<AppState>,
    s: Publisher,
    Query(q): Query<MonthQuery>,
) -> Page {
    let l = s.lang;
    let now = jiff::Timestamp::now();
    let first = first_day(&q, now);
    let next = first.checked_add(1.month()).unwrap_or(first);
    let prev = first.checked_sub(1.month()).unwrap_or(first);
    let start = |d: Date| d.to_zoned(china()).map(|z| z.timestamp()).unwrap_or(now);
    let records = content::calendar::between(&state, s.actor.clone(), start(first), start(next))
        .await
        .map_err(|e| app_error(l, e))?;
    let (from, until) = (start(first), start(next));
    let mut entries: Vec<Entry<'_>> = Vec::new();
    for r in &records {
        let inside = |t: &jiff::Timestamp| *t >= from && *t < until;
        if let Some(t) = r.item.publish_at.filter(inside) {
            // A past start only "went live" if the item is published; a draft's or a withdrawn
            // item's past date is left off (its future one shows, with its state beside it).
            let what = if t > now {
                Some(What::Scheduled)
            } else if r.state == ContentState::Published {
                Some(What::Published)
            } else {
                None
            };
            if let Some(what) = what {
                entries.push(Entry {
                    at: t.to_zoned(china()),
                    what,
                    record: r,
                });
            }
        }
        if let Some(t) = r.item.expire_at.filter(inside) {
            let what = if t > now {
                What::Expiring
            } else {
                What::Expired
            };
            entries.push(Entry {
                at: t.to_zoned(china()),
                what,
                record: r,
            });
        }
    }
    entries.sort_by(|a, b| a.at.cmp(&b.at));
    let title = match l {
        Lang::Zh => format!("发布日程 · {}", first.strftime("%Y年%-m月")),
        Lang::En => format!("Schedule · {}", first.strftime("%B %Y")),
    };
    ok(layout(
        &s,
        &title,
        HERE,
        html! {
            div.row.calnav {
                a.button.small href=(month_link(prev)) { "‹ " (tr(l, "上个月", "Previous month")) }
                a.button.small href=(HERE) { (tr(l, "本月", "This month")) }
                a.button.small href=(month_link(next)) { (tr(l, "下个月", "Next month")) " ›" }
                span.legend {
                    @for w in [What::Scheduled, What::Published, What::Expiring, What::Expired] {
                        span class=(w.class()) { (w.label(l)) }
                    }
                }
            }
            p.hint { (tr(l,
                "本单位及下级单位的内容在本月的定时发布和到期时间（北京时间）。点标题打开编辑页，可修改内容和时间。",
                "When content of your org and those below it goes live or expires this month (China time). Open an item by its title to change it or its times."))
            }
            (grid(l, first, next, now, &entries))
            @if entries.is_empty() {
                p.empty { (tr(l, "这个月没有定时发布或到期的内容。", "Nothing goes live or expires this month.")) }
            } @else {
                table.calendar-list {
                    thead { tr {
                        th { (tr(l, "时间", "Time")) } th { (tr(l, "事项", "Event")) }
                        th { (tr(l, "标题", "Title")) } th { (tr(l, "状态", "State")) }
                    } }
                    tbody {
                        @for e in &entries {
                            tr {
                                td { (e.at.strftime("%m-%d %H:%M")) }
                                td { span class=(e.what.class()) { (e.what.label(l)) } }
                                td { (item_link(l, e.record)) }
                                td { (super::news::state_pill(l, e.record)) }
                            }
                        }
                    }
                }
            }
        },
    ))
}

fn item_link(l: Lang, r: &ContentRecord) -> Markup {
    let title = item_title(l, &r.item.body);
    html! {
        @match edit_url(r).0 {
            Some(href) => a href=(href) { (title) },
            None => span { (title) },
        }
    }
}

/// The month as weeks, Monday first, each day with its entries.
fn grid(l: Lang, first: Date, next: Date, now: jiff::Timestamp, entries: &[Entry<'_>]) -> Markup {
    let today = now.to_zoned(china()).date();
    let lead = i64::from(first.weekday().to_monday_zero_offset());
    let days = first.until(next).map(|s| s.get_days()).unwrap_or(30);
    let cells = (lead + i64::from(days) + 6) / 7 * 7;
    let heads = match l {
        Lang::Zh => ["一", "二", "三", "四", "五", "六", "日"],
        Lang::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    };
    html! {
        table.month {
            thead { tr { @for h in heads { th { (h) } } } }
            tbody {
                @for week in 0..cells / 7 {
                    tr {
                        @for i in 0..7 {
                            @let n = week * 7 + i - lead;
                            @let day = first.checked_add(n.days()).ok().filter(|d| n >= 0 && *d < next);
                            @match day {
                                Some(d) => td.today[d == today] {
                                    div.day { (d.day()) }
                                    @for e in entries.iter().filter(|e| e.at.date() == d) {
                                        div class=(e.what.class()) title=(format!("{} · {}", e.what.label(l), item_title(l, &e.record.item.body))) {
                                            span.time { (e.at.strftime("%H:%M")) } " "
                                            (item_link(l, e.record))
                                        }
                                    }
                                },
                                None => td.out {},
                            }
                        }
                    }
                }
            }
        }
    }
}
