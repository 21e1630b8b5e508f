//! Tasks down the hierarchy (`crate::tasks`): what the user's org received, to acknowledge and
//! mark done; what was sent from their subtree, with which orgs have not answered; and sending
//! a new notice or task to the orgs below (administrators and publishers).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use maud::{Markup, html};
use protocol::OrgId;
use serde::Deserialize;

use super::page::{Notice, Page, app_error, back, back_with, flash, layout, ok, org_options, when};
use super::session::{CsrfForm, NoFields, Session, TaskSender, Viewer};
use super::{Lang, tr};
use crate::state::AppState;
use crate::tasks::{self, Answer, Kind, NewTask, Receipt};

pub const HERE: &str = "/console/tasks";

fn kind_name(l: Lang, k: Kind) -> &'static str {
    match k {
        Kind::Notice => tr(l, "通知", "Notice"),
        Kind::Task => tr(l, "任务", "Task"),
    }
}

fn due(l: Lang, t: &tasks::Task) -> Markup {
    html! {
        @if let Some(d) = t.due {
            @let late = d < jiff::Timestamp::now();
            span.pill.warn[!late].bad[late] { (tr(l, "截止 ", "Due ")) (when(d)) }
        }
    }
}

fn state_of(l: Lang, kind: Kind, r: &Receipt) -> Markup {
    html! {
        @if let Some((at, who)) = &r.done {
            span.pill.good { (tr(l, "已完成", "Done")) } " " (when(*at)) " " (who)
        } @else if let Some((at, who)) = &r.acknowledged {
            @if kind == Kind::Task { span.pill.warn { (tr(l, "已确认，未完成", "Acknowledged, not done")) } }
            @else { span.pill.good { (tr(l, "已确认", "Acknowledged")) } }
            " " (when(*at)) " " (who)
        } @else {
            span.pill.bad { (tr(l, "未确认", "Not acknowledged")) }
        }
    }
}

/// How many receivers have not finished: not acknowledged a notice, not done a task.
fn waiting(kind: Kind, receipts: &[Receipt]) -> usize {
    receipts
        .iter()
        .filter(|r| match kind {
            Kind::Notice => r.acknowledged.is_none(),
            Kind::Task => r.done.is_none(),
        })
        .count()
}

pub async fn list(State(state): State<AppState>, s: Viewer, Query(q): Query<Notice>) -> Page {
    let l = s.lang;
    let received = tasks::received(&state, s.actor.clone())
        .await
        .map_err(|e| app_error(l, e))?;
    let sent = tasks::sent(&state, s.actor.clone())
        .await
        .map_err(|e| app_error(l, e))?;
    let sends = s.opens::<crate::staff::roles::gate::Tasks>();
    let tree = if sends {
        org_options(&state, &s).await?
    } else {
        Vec::new()
    };
    ok(layout(
        &s,
        tr(l, "任务与通知", "Tasks & notices"),
        HERE,
        html! {
            (flash(&q))
            h2 { (tr(l, "本单位收到的", "Received by your org")) }
            @if received.is_empty() { p.hint { (tr(l, "还没有收到任务或通知。", "Nothing received yet.")) } }
            @for r in &received {
                div.card.task {
                    p { span.pill { (kind_name(l, r.task.kind)) } " " strong { (r.task.title) } " " (due(l, &r.task)) }
                    p.hint { (r.task.org_name) " · " (r.task.created_by) " · " (when(r.task.created_at)) }
                    @if !r.task.body.is_empty() { p { (r.task.body) } }
                    p { (state_of(l, r.task.kind, &r.receipt)) }
                    @if r.receipt.acknowledged.is_none() {
                        form.inline method="post" action=(format!("{HERE}/{}/ack", r.task.id)) {
                            input type="hidden" name="_csrf" value=(s.csrf);
                            button type="submit" { (tr(l, "确认收到", "Acknowledge")) }
                        }
                    }
                    @if r.task.kind == Kind::Task && r.receipt.done.is_none() {
                        " "
                        form.inline method="post" action=(format!("{HERE}/{}/done", r.task.id)) {
                            input type="hidden" name="_csrf" value=(s.csrf);
                            button type="submit" { (tr(l, "标记完成", "Mark done")) }
                        }
                    }
                }
            }
            h2 { (tr(l, "本单位及下级发出的", "Sent from your org and below")) }
            @if sent.is_empty() { p.hint { (tr(l, "还没有发出任务或通知。", "Nothing sent yet.")) } }
            @else {
                table {
                    thead { tr { th { (tr(l, "标题", "Title")) } th { (tr(l, "发出单位", "From")) } th { (tr(l, "截止", "Due")) } th { (tr(l, "未完成", "Waiting")) } } }
                    tbody { @for t in &sent { tr {
                        td { span.pill { (kind_name(l, t.task.kind)) } " " a href=(format!("{HERE}/{}", t.task.id)) { (t.task.title) } }
                        td { (t.task.org_name) }
                        td { (due(l, &t.task)) }
                        td { (waiting(t.task.kind, &t.receipts)) " / " (t.receipts.len()) }
                    } } }
                }
            }
            @if sends {
                h2 { (tr(l, "发给下级单位", "Send to the orgs below")) }
                form.card.editor method="post" action=(HERE) {
                    input type="hidden" name="_csrf" value=(s.csrf);
                    label { (tr(l, "发出单位（发给它的直接下级）", "From (to the orgs directly below it)"))
                        select name="org" { @for o in &tree { option value=(o.id.0) selected[o.id == s.info.org_id] { (("　".repeat(o.depth as usize))) (o.name) } } }
                    }
                    label { (tr(l, "类型", "Kind"))
                        select name="kind" {
                            option value="task" { (tr(l, "任务（需标记完成）", "Task (to be marked done)")) }
                            option value="notice" { (tr(l, "通知（确认收到即可）", "Notice (acknowledge only)")) }
                        }
                    }
                    label { (tr(l, "标题", "Title")) input name="title" required maxlength="100"; }
                    label { (tr(l, "内容", "Details")) textarea name="body" rows="4" maxlength="5000" {} }
                    label { (tr(l, "截止日期（可不填）", "Due date (optional)")) input name="due" type="date"; }
                    button type="submit" { (tr(l, "发出", "Send")) }
                }
            }
        },
    ))
}

pub async fn one(
    State(state): State<AppState>,
    s: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<Notice>,
) -> Page {
    let l = s.lang;
    let sent = tasks::one_sent(&state, s.actor.clone(), id)
        .await
        .map_err(|e| app_error(l, e))?;
    let t = &sent.task;
    ok(layout(
        &s,
        &t.title,
        HERE,
        html! {
            (flash(&q))
            p { span.pill { (kind_name(l, t.kind)) } " " (due(l, t)) }
            p.hint { (t.org_name) " · " (t.created_by) " · " (when(t.created_at)) }
            @if !t.body.is_empty() { p { (t.body) } }
            p.waiting { (tr(l, "尚未完成的单位：", "Orgs not finished: ")) strong { (waiting(t.kind, &sent.receipts)) } " / " (sent.receipts.len()) }
            table.receipts {
                thead { tr { th { (tr(l, "单位", "Org")) } th { (tr(l, "状态", "Status")) } } }
                tbody { @for r in &sent.receipts { tr {
                    td { (r.org_name) } td { (state_of(l, t.kind, r)) }
                } } }
            }
            p { a href=(HERE) { (tr(l, "返回任务列表", "Back to tasks")) } }
        },
    ))
}

#[derive(Deserialize)]
pub struct SendForm {
    org: i64,
    kind: String,
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    due: String,
}

/// The end of day `date` (`2026-12-04`) in China time.
fn end_of(date: &str) -> Option<jiff::Timestamp> {
    let date: jiff::civil::Date = date.trim().parse().ok()?;
    date.at(23, 59, 0, 0)
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .ok()
        .map(|z| z.timestamp())
}

pub async fn send(
    State(state): State<AppState>,
    s: TaskSender,
    CsrfForm(f): CsrfForm<SendForm>,
) -> Page {
    let l = s.lang;
    let due = if f.due.trim().is_empty() {
        None
    } else {
        match end_of(&f.due) {
            Some(d) => Some(d),
            None => {
                return Ok(super::page::back_with_error(
                    HERE,
                    tr(l, "截止日期看不懂。", "The due date cannot be read."),
                ));
            }
        }
    };
    let new = NewTask {
        org: OrgId(f.org),
        kind: Kind::of(&f.kind).unwrap_or(Kind::Task),
        title: f.title,
        body: f.body,
        due,
    };
    match tasks::send(&state, s.actor.clone(), new).await {
        Ok(id) => Ok(back(&format!("{HERE}/{id}"), tr(l, "已发出。", "Sent."))),
        Err(e) if e.status == StatusCode::FORBIDDEN => Err(app_error(l, e)),
        Err(e) => Ok(back_with(HERE, e)),
    }
}

async fn answer(state: &AppState, s: &Session, id: i64, a: Answer) -> Page {
    match tasks::answer(state, s.actor.clone(), id, a).await {
        Ok(()) => Ok(back(HERE, tr(s.lang, "已记录。", "Recorded."))),
        Err(e) if e.status == StatusCode::NOT_FOUND => Err(app_error(s.lang, e)),
        Err(e) => Ok(back_with(HERE, e)),
    }
}

pub async fn acknowledge(
    State(state): State<AppState>,
    s: Viewer,
    Path(id): Path<i64>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Page {
    answer(&state, &s, id, Answer::Acknowledge).await
}

pub async fn done(
    State(state): State<AppState>,
    s: Viewer,
    Path(id): Path<i64>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Page {
    answer(&state, &s, id, Answer::Done).await
}
