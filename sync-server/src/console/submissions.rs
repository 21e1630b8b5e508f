//! Submissions: the inbox by urgency with status and deadline filters, bulk actions on the
//! cases ticked (`bulk`), CSV export, one submission with its answers, deadline, assignment and
//! history, and acting on it (a status with a reply, assigning it).

mod bulk;
mod due;

pub use bulk::bulk;
pub use due::{badge, day, with_whom};

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use maud::html;
use protocol::OrgId;
use protocol::workflow::{Assign, CaseEventKind, Status, StatusChange};
use serde::Deserialize;

use super::page::{
    Notice, Page, app_error, back, back_with, back_with_error, error_page, flash, layout, ok,
    status_name, urlencode, when,
};
use super::session::{CaseHandler, CsrfForm};
use super::tr;
use crate::db::{now_ms, to_ms};
use crate::deadlines::due_date;
use crate::state::AppState;
use crate::workflow::assign::{self, Candidate};
use crate::workflow::inbox::{self, Due, Filter};

const HERE: &str = "/console/submissions";

/// An empty status or deadline in the filter form means any.
fn any_if_empty(filter: Filter) -> Filter {
    Filter {
        status: filter.status.clone().filter(|x| !x.is_empty()),
        due: filter.due.clone().filter(|x| !x.is_empty()),
        ..filter
    }
}

pub async fn inbox(
    State(state): State<AppState>,
    s: CaseHandler,
    Query(filter): Query<Filter>,
    Query(q): Query<Notice>,
) -> Page {
    let l = s.lang;
    let status = filter.status.clone().unwrap_or_default();
    let due_sel = filter.due.clone().unwrap_or_default();
    let filter = Filter {
        sort: Some("urgency".to_owned()),
        ..filter
    };
    let rows = inbox::list(&state, s.actor.clone(), any_if_empty(filter))
        .await
        .map_err(|e| app_error(l, e))?;
    let people = assign::in_scope(&state, s.actor.clone())
        .await
        .map_err(|e| app_error(l, e))?;
    let export = format!(
        "/console/submissions/export.csv?status={}&due={}",
        urlencode(&status),
        urlencode(&due_sel)
    );
    let now = now_ms();
    ok(layout(
        &s,
        tr(l, "办理事项", "Submissions"),
        HERE,
        html! {
            (flash(&q))
            form.search method="get" action="/console/submissions" {
                select name="status" {
                    option value="" { (tr(l, "全部状态", "Any status")) }
                    @for st in Status::ALL { option value=(st.as_str()) selected[status == st.as_str()] { (status_name(l, st)) } }
                }
                select name="due" {
                    option value="" { (tr(l, "全部期限", "Any deadline")) }
                    @for d in Due::ALL { option value=(d.as_str()) selected[due_sel == d.as_str()] { (due::due_name(l, d)) } }
                }
                button type="submit" { (tr(l, "筛选", "Filter")) }
                a.button href=(export) { (tr(l, "导出 CSV", "Export CSV")) }
                a.button href="/console/digest" { (tr(l, "今日待办", "Today's digest")) }
            }
            p.hint { (tr(l, "按紧急程度排列：分派给我的在前，其次是升级或分派到本单位的，再按答复期限；已办结的在后。时间均为北京时间。",
                "By urgency: assigned to me first, then escalated or assigned to my org, then by deadline; closed cases last. Times are China time.")) }
            form.bulk method="post" action="/console/submissions/bulk" {
                input type="hidden" name="_csrf" value=(s.csrf);
                table.inbox {
                    thead { tr {
                        th { (tr(l, "选择", "Select")) }
                        th { (tr(l, "回执编号", "Receipt")) } th { (tr(l, "表单", "Form")) } th { (tr(l, "单位", "Org")) }
                        th { (tr(l, "状态", "Status")) } th { (tr(l, "答复期限", "Answer due")) } th { (tr(l, "办理人", "With")) }
                        th { (tr(l, "提交时间", "Submitted")) }
                    } }
                    tbody { @for r in &rows { tr {
                        td { input type="checkbox" name="id" value=(r.id) aria-label=(r.receipt); }
                        td { a href=(format!("/console/submissions/{}", r.id)) { (r.receipt) } }
                        td { (r.form_title) } td { (r.org_name) }
                        td { span.pill.(r.status.as_str()) { (status_name(l, r.status)) } }
                        td { (due::badge(l, r, now)) }
                        td { (due::with_whom(l, r)) }
                        td { (when(r.submitted_at)) }
                    } } }
                }
                @if rows.is_empty() { p.hint { (tr(l, "没有符合条件的事项。", "Nothing matches.")) } }
                @else {
                    div.bulkbar {
                        span { (tr(l, "对选中的事项：", "With the ones ticked:")) }
                        select name="status" {
                            @for st in Status::ALL { @if st != Status::Received { option value=(st.as_str()) { (status_name(l, st)) } } }
                        }
                        input type="text" name="reply" maxlength="2000" placeholder=(tr(l, "答复（标记“已答复”时必填）", "Reply (needed for Answered)"));
                        button type="submit" name="do" value="status" { (tr(l, "改状态", "Set status")) }
                        select name="to" {
                            @for p in &people { option value=(assign_value(p)) { (p.name) } }
                        }
                        button type="submit" name="do" value="assign" { (tr(l, "分派", "Assign")) }
                        button type="submit" name="do" value="export" { (tr(l, "导出选中", "Export ticked")) }
                    }
                }
            }
        },
    ))
}

/// An assignee as a form value: `s:<staff id>` or `o:<org id>`.
pub fn assign_value(c: &Candidate) -> String {
    match c.staff_id {
        Some(id) => format!("s:{id}"),
        None => format!("o:{}", c.org_id.0),
    }
}

/// The assignee a form value names.
pub fn assign_of(value: &str) -> Option<Assign> {
    let (kind, id) = value.split_once(':')?;
    let id: i64 = id.parse().ok()?;
    match kind {
        "s" => Some(Assign {
            staff_id: Some(id),
            org_id: None,
        }),
        "o" => Some(Assign {
            staff_id: None,
            org_id: Some(OrgId(id)),
        }),
        _ => None,
    }
}

pub async fn export(
    State(state): State<AppState>,
    s: CaseHandler,
    Query(filter): Query<Filter>,
) -> Page {
    let csv = inbox::export_csv(&state, s.actor.clone(), any_if_empty(filter))
        .await
        .map_err(|e| app_error(s.lang, e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"submissions.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

pub async fn submission(
    State(state): State<AppState>,
    s: CaseHandler,
    Path(id): Path<String>,
    Query(q): Query<Notice>,
) -> Page {
    let l = s.lang;
    let d = inbox::get(&state, s.actor.clone(), id.clone())
        .await
        .map_err(|e| app_error(l, e))?;
    let people = assign::candidates(&state, s.actor.clone(), id.clone())
        .await
        .map_err(|e| app_error(l, e))?;
    let title = format!("{} · {}", d.summary.form_title, d.summary.receipt);
    let now = now_ms();
    ok(layout(
        &s,
        &title,
        HERE,
        html! {
            (flash(&q))
            p { span.pill.(d.summary.status.as_str()) { (status_name(l, d.summary.status)) } " " (d.summary.org_name) " · " (when(d.summary.submitted_at)) }
            @if let Some(due_at) = d.summary.due_at {
                p.deadline {
                    (tr(l, "答复期限：", "Answer due: ")) (due::day(l, due_date(to_ms(due_at)))) (tr(l, " 前（北京时间）", " (China time)")) " "
                    (due::badge(l, &d.summary, now)) " " (due::with_whom(l, &d.summary))
                }
            }
            table.answers { tbody { @for a in &d.answers { tr { th { (a.label) } td { (a.value) } } } } }
            @if let Some(reply) = &d.reply { h2 { (tr(l, "当前答复", "Current reply")) } p.reply { (reply) } }
            h2 { (tr(l, "办理", "Act on it")) }
            form.card.editor method="post" action=(format!("/console/submissions/{id}")) {
                input type="hidden" name="_csrf" value=(s.csrf);
                label { (tr(l, "新状态", "New status")) select name="status" {
                    @for st in Status::ALL { @if d.summary.status.can_become(st) { option value=(st.as_str()) { (status_name(l, st)) } } }
                } }
                label { (tr(l, "答复（员工在终端上可以看到）", "Reply (the employee sees it at a kiosk)")) textarea name="reply" rows="4" maxlength="2000" {} }
                button type="submit" { (tr(l, "提交", "Save")) }
            }
            h2 { (tr(l, "分派", "Assign")) }
            form.card.assign method="post" action=(format!("/console/submissions/{id}/assign")) {
                input type="hidden" name="_csrf" value=(s.csrf);
                label { (tr(l, "交给（办理人，或下级单位）", "To (a case handler, or a lower org)")) select name="to" {
                    @for p in &people { option value=(assign_value(p)) { (p.name) } }
                } }
                button type="submit" { (tr(l, "分派", "Assign")) }
            }
            h2 { (tr(l, "处理记录", "History")) }
            table { tbody {
                tr { td { (when(d.summary.submitted_at)) } td { (tr(l, "终端提交", "Submitted at a kiosk")) } td {} }
                @for h in &d.history { tr {
                    td { (when(h.at)) } td { (h.by) ": " (status_name(l, h.from)) " → " (status_name(l, h.to)) }
                    td { (h.reply.clone().unwrap_or_default()) }
                } }
                @for e in &d.events { tr.event {
                    td { (when(e.at)) }
                    td { @match e.kind {
                        CaseEventKind::Assigned => { (e.by) ": " (tr(l, "分派给 ", "assigned to ")) (e.to) },
                        CaseEventKind::Escalated => { span.pill.bad { (tr(l, "超期升级", "Escalated (overdue)")) } " " (tr(l, "第 ", "level ")) (e.level) (tr(l, " 级 → ", " → ")) (e.to) },
                    } }
                    td {}
                } }
            } }
        },
    ))
}

#[derive(Deserialize)]
pub struct AssignForm {
    to: String,
}

pub async fn assign_case(
    State(state): State<AppState>,
    s: CaseHandler,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<AssignForm>,
) -> Page {
    let l = s.lang;
    let here = format!("/console/submissions/{id}");
    let Some(to) = assign_of(&f.to) else {
        return Ok(back_with_error(
            &here,
            tr(l, "请选择分派给谁。", "Choose who to assign it to."),
        ));
    };
    match assign::assign(&state, s.actor.clone(), id, to).await {
        Ok(_) => Ok(back(&here, tr(l, "已分派。", "Assigned."))),
        Err(e) if e.status == StatusCode::NOT_FOUND => Err(app_error(l, e)),
        Err(e) => Ok(back_with(&here, e)),
    }
}

#[derive(Deserialize)]
pub struct AnswerForm {
    status: String,
    reply: String,
}

pub async fn answer(
    State(state): State<AppState>,
    s: CaseHandler,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<AnswerForm>,
) -> Page {
    let l = s.lang;
    let status = Status::parse(&f.status).ok_or_else(|| {
        error_page(
            l,
            StatusCode::BAD_REQUEST,
            tr(l, "请选择状态。", "Choose a status."),
        )
    })?;
    let change = StatusChange {
        status,
        reply: Some(f.reply),
    };
    let here = format!("/console/submissions/{id}");
    match inbox::change(&state, s.actor.clone(), id, change).await {
        Ok(_) => Ok(back(
            &here,
            tr(
                l,
                "已保存，员工可在终端查到。",
                "Saved; the employee can see it at a kiosk.",
            ),
        )),
        Err(e) if e.status == StatusCode::NOT_FOUND || e.status == StatusCode::FORBIDDEN => {
            Err(app_error(l, e))
        }
        Err(e) => Ok(back_with(&here, e)),
    }
}
