//! Submissions: the inbox with a status filter and CSV export, one submission with its answers
//! and history, and acting on it.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use maud::html;
use protocol::workflow::{Status, StatusChange};
use serde::Deserialize;

use super::page::{
    Notice, Page, app_error, back, back_with, error_page, flash, layout, ok, status_name,
    urlencode, when,
};
use super::session::{CaseHandler, CsrfForm};
use super::tr;
use crate::state::AppState;
use crate::workflow::inbox::{self, Filter};

const HERE: &str = "/console/submissions";

/// An empty status in the filter form means any status.
fn any_status_if_empty(filter: Filter) -> Filter {
    Filter {
        status: filter.status.clone().filter(|x| !x.is_empty()),
        ..filter
    }
}

pub async fn inbox(
    State(state): State<AppState>,
    s: CaseHandler,
    Query(filter): Query<Filter>,
) -> Page {
    let l = s.lang;
    let status = filter.status.clone().unwrap_or_default();
    let rows = inbox::list(&state, s.actor.clone(), any_status_if_empty(filter))
        .await
        .map_err(|e| app_error(l, e))?;
    let export = format!(
        "/console/submissions/export.csv?status={}",
        urlencode(&status)
    );
    ok(layout(
        &s,
        tr(l, "办理事项", "Submissions"),
        HERE,
        html! {
            form.search method="get" action="/console/submissions" {
                select name="status" {
                    option value="" { (tr(l, "全部状态", "Any status")) }
                    @for st in Status::ALL { option value=(st.as_str()) selected[status == st.as_str()] { (status_name(l, st)) } }
                }
                button type="submit" { (tr(l, "筛选", "Filter")) }
                a.button href=(export) { (tr(l, "导出 CSV", "Export CSV")) }
            }
            table {
                thead { tr { th { (tr(l, "回执编号", "Receipt")) } th { (tr(l, "表单", "Form")) } th { (tr(l, "单位", "Org")) } th { (tr(l, "状态", "Status")) } th { (tr(l, "提交时间", "Submitted")) } } }
                tbody { @for r in &rows { tr {
                    td { a href=(format!("/console/submissions/{}", r.id)) { (r.receipt) } }
                    td { (r.form_title) } td { (r.org_name) }
                    td { span.pill.(r.status.as_str()) { (status_name(l, r.status)) } }
                    td { (when(r.submitted_at)) }
                } } }
            }
            @if rows.is_empty() { p.hint { (tr(l, "没有符合条件的事项。", "Nothing matches.")) } }
        },
    ))
}

pub async fn export(
    State(state): State<AppState>,
    s: CaseHandler,
    Query(filter): Query<Filter>,
) -> Page {
    let csv = inbox::export_csv(&state, s.actor.clone(), any_status_if_empty(filter))
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
    let title = format!("{} · {}", d.summary.form_title, d.summary.receipt);
    ok(layout(
        &s,
        &title,
        HERE,
        html! {
            (flash(&q))
            p { span.pill.(d.summary.status.as_str()) { (status_name(l, d.summary.status)) } " " (d.summary.org_name) " · " (when(d.summary.submitted_at)) }
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
            h2 { (tr(l, "处理记录", "History")) }
            table { tbody {
                tr { td { (when(d.summary.submitted_at)) } td { (tr(l, "终端提交", "Submitted at a kiosk")) } td {} }
                @for h in &d.history { tr {
                    td { (when(h.at)) } td { (h.by) ": " (status_name(l, h.from)) " → " (status_name(l, h.to)) }
                    td { (h.reply.clone().unwrap_or_default()) }
                } }
            } }
        },
    ))
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
