//! 今日待办 / Today's digest: what the signed-in case handler has to do today — overdue, due
//! today, escalated to their org, assigned to them, new — and where (if anywhere) it is
//! e-mailed each morning (counts and a link only; e-mail is off unless the server has SMTP
//! settings).

use axum::extract::{Query, State};
use maud::{Markup, html};
use protocol::workflow::SubmissionSummary;
use serde::Deserialize;

use super::page::{Notice, Page, app_error, back, back_with, flash, layout, ok, status_name, when};
use super::session::{CaseHandler, CsrfForm};
use super::submissions::{badge, day, with_whom};
use super::{Lang, tr};
use crate::db::now_ms;
use crate::deadlines::{digest, mail};
use crate::state::AppState;

pub const HERE: &str = "/console/digest";

fn section(l: Lang, title: &str, filter: &str, rows: &[SubmissionSummary], now: i64) -> Markup {
    html! {
        section.digest {
            h2 { (title) " " span.count { (rows.len()) } }
            @if rows.is_empty() { p.hint { (tr(l, "没有。", "None.")) } }
            @else {
                table { tbody { @for r in rows.iter().take(20) { tr {
                    td { a href=(format!("/console/submissions/{}", r.id)) { (r.receipt) } }
                    td { (r.form_title) } td { (r.org_name) }
                    td { span.pill.(r.status.as_str()) { (status_name(l, r.status)) } }
                    td { (badge(l, r, now)) } td { (with_whom(l, r)) }
                    td { (when(r.submitted_at)) }
                } } } }
                @if rows.len() > 20 {
                    p { a href=(format!("/console/submissions?due={filter}")) { (tr(l, "查看全部", "See them all")) } }
                }
            }
        }
    }
}

pub async fn page(State(state): State<AppState>, s: CaseHandler, Query(q): Query<Notice>) -> Page {
    let l = s.lang;
    let now = now_ms();
    let d = digest::of(&state, s.actor.clone(), now)
        .await
        .map_err(|e| app_error(l, e))?;
    let address = mail::address_of(&state, s.actor.clone())
        .await
        .map_err(|e| app_error(l, e))?
        .unwrap_or_default();
    let mail_on = state.config.deadlines.mail.is_some();
    let c = d.counts();
    let tile = |class: &'static str, n: usize, label: &'static str, href: &'static str| {
        html! { a.tile.(class) href=(href) { strong { (n) } (label) } }
    };
    ok(layout(
        &s,
        tr(l, "今日待办", "Today's digest"),
        HERE,
        html! {
            (flash(&q))
            p.hint { (day(l, d.day)) (tr(l, "（北京时间）· 本单位及下级单位的事项", " (China time) · cases of your org and those below it")) }
            div.tiles {
                (tile(if c.overdue > 0 { "bad" } else { "good" }, c.overdue, tr(l, "已超期", "Overdue"), "/console/submissions?due=overdue"))
                (tile(if c.due_today > 0 { "warn" } else { "good" }, c.due_today, tr(l, "今天到期", "Due today"), "/console/submissions?due=today"))
                (tile(if c.escalated > 0 { "bad" } else { "good" }, c.escalated, tr(l, "升级到本单位", "Escalated to my org"), "/console/submissions?due=escalated"))
                (tile("good", c.mine, tr(l, "分派给我", "Assigned to me"), "/console/submissions?due=mine"))
                (tile("good", c.new, tr(l, "新收到", "New"), "/console/submissions?due=new"))
            }
            (section(l, tr(l, "已超期", "Overdue"), "overdue", &d.overdue, now))
            (section(l, tr(l, "今天到期", "Due today"), "today", &d.due_today, now))
            (section(l, tr(l, "升级到本单位", "Escalated to my org"), "escalated", &d.escalated, now))
            (section(l, tr(l, "分派给我", "Assigned to me"), "mine", &d.mine, now))
            (section(l, tr(l, "新收到（24 小时内）", "New (last 24 hours)"), "new", &d.new, now))
            h2 { (tr(l, "每日邮件提醒", "Daily e-mail")) }
            @if mail_on {
                form.card.editor method="post" action="/console/digest/email" {
                    input type="hidden" name="_csrf" value=(s.csrf);
                    label { (tr(l, "每天早上把件数发到这个邮箱（留空则不发；邮件只含件数和链接，不含职工个人信息）",
                        "Each morning, e-mail the counts to this address (empty: none; counts and a link only, no one's details)"))
                        input type="email" name="email" value=(address) maxlength="254"; }
                    button type="submit" { (tr(l, "保存", "Save")) }
                }
            } @else {
                p.hint { (tr(l, "服务器未配置邮件（SMTP），不发送邮件提醒。", "The server has no e-mail (SMTP) settings: no e-mail is sent.")) }
            }
        },
    ))
}

#[derive(Deserialize)]
pub struct EmailForm {
    email: String,
}

pub async fn set_email(
    State(state): State<AppState>,
    s: CaseHandler,
    CsrfForm(f): CsrfForm<EmailForm>,
) -> Page {
    let l = s.lang;
    match mail::set_address(&state, s.actor.clone(), f.email).await {
        Ok(()) => Ok(back(HERE, tr(l, "已保存。", "Saved."))),
        Err(e) => Ok(back_with(HERE, e)),
    }
}
