//! How a case's deadline, assignment and escalation read in the inbox and on the case's page.

use maud::{Markup, html};
use protocol::workflow::{Status, SubmissionSummary};

use super::super::{Lang, tr};
use crate::db::to_ms;
use crate::deadlines::{china_date, due_date};
use crate::workflow::inbox::Due;

pub fn due_name(l: Lang, d: Due) -> &'static str {
    match d {
        Due::Overdue => tr(l, "已超期", "Overdue"),
        Due::Today => tr(l, "今天到期", "Due today"),
        Due::Soon => tr(l, "即将到期（两天内）", "Due soon (two days)"),
        Due::Mine => tr(l, "分派给我或本单位", "Assigned to me or my org"),
        Due::Escalated => tr(l, "升级到本单位", "Escalated to my org"),
        Due::New => tr(l, "新收到（24 小时内）", "New (last 24 hours)"),
    }
}

fn open(s: &SubmissionSummary) -> bool {
    matches!(s.status, Status::Received | Status::Processing)
}

/// A date as staff read it: 12月3日 / 3 Dec.
pub fn day(l: Lang, d: jiff::civil::Date) -> String {
    match l {
        Lang::Zh => format!("{}月{}日", d.month(), d.day()),
        Lang::En => d.strftime("%-d %b").to_string(),
    }
}

/// The deadline cell: overdue (by how many days), due today, due by a day, or nothing for a
/// closed case or one without a deadline (a booking request).
pub fn badge(l: Lang, s: &SubmissionSummary, now: i64) -> Markup {
    let Some(due) = s.due_at.map(to_ms) else {
        return html! {};
    };
    if !open(s) {
        return html! { span.muted { (day(l, due_date(due))) } };
    }
    let today = china_date(now);
    let last = due_date(due);
    html! {
        @if due <= now {
            @let late = (today - last).get_days().max(0);
            span.pill.bad.due {
                @match (l, late) {
                    (Lang::Zh, 0) => "已超期",
                    (Lang::Zh, n) => { "已超期 " (n) " 天" },
                    (Lang::En, 0) => "Overdue",
                    (Lang::En, n) => { "Overdue " (n) " d" },
                }
            }
        } @else if last == today {
            span.pill.warn.due { (tr(l, "今天到期", "Due today")) }
        } @else if (last - today).get_days() <= 2 {
            span.pill.warn.due { (day(l, last)) (tr(l, " 前", "")) }
        } @else {
            span.due { (day(l, last)) (tr(l, " 前", "")) }
        }
    }
}

/// Who it is with: assigned to someone, escalated somewhere.
pub fn with_whom(l: Lang, s: &SubmissionSummary) -> Markup {
    html! {
        @if let Some(to) = &s.escalated_to {
            span.pill.bad.escalated title=(to.name) {
                (tr(l, "已升级", "Escalated")) " → " (to.name)
            }
            " "
        }
        @if let Some(a) = &s.assigned_to {
            span.assignee { (tr(l, "分派：", "Assigned: ")) (a.name) }
        }
    }
}
