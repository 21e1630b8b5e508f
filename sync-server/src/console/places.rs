//! 名额预约 (limited places) for case handlers: the offerings in scope, and per offering each
//! session's people with their status, ticking who came, moving a person to another session,
//! closing a session early, and the sign-in sheet as CSV or a printable page. Every action goes
//! through `places::roster`, which checks the offering is in the staff member's subtree.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use maud::{Markup, html};
use protocol::ContentId;
use protocol::content::ContentBody;
use protocol::places::{BookingStatus, Roster};
use protocol::staff::AuditAction;
use serde::Deserialize;

use super::page::{Notice, Page, app_error, back, back_with, flash, layout, ok, when};
use super::session::{CaseHandler, CsrfForm, Viewer};
use super::{Lang, tr};
use crate::content::{self, ListQuery};
use crate::places::roster;
use crate::state::AppState;

pub mod edit;

pub const HERE: &str = "/console/places";

fn status_text(l: Lang, b: &protocol::places::Booked) -> String {
    let label = match l {
        Lang::Zh => b.status.label_zh(),
        Lang::En => b.status.label_en(),
    };
    match (b.position, b.refusal) {
        (Some(n), _) => format!("{label} #{n}"),
        (None, Some(r)) => format!(
            "{label}：{}",
            match l {
                Lang::Zh => r.label_zh(),
                Lang::En => r.label_en(),
            }
        ),
        _ => label.to_owned(),
    }
}

fn taken(r: &Roster) -> usize {
    r.people
        .iter()
        .filter(|p| p.status == BookingStatus::Confirmed)
        .count()
}

/// The offerings in the staff member's subtree: publishers create and edit them, case handlers
/// open each one's sign-up list.
pub async fn list(State(state): State<AppState>, s: Viewer, Query(q): Query<Notice>) -> Page {
    let l = s.lang;
    let publish = s.opens::<crate::staff::roles::gate::Publish>();
    let cases = s.opens::<crate::staff::roles::gate::Cases>();
    let items = content::list(
        &state,
        s.actor.clone(),
        ListQuery {
            kind: Some(protocol::ContentKind::Offering),
            limit: Some(500),
            ..ListQuery::default()
        },
    )
    .await
    .map_err(|e| app_error(l, e))?;
    ok(layout(
        &s,
        tr(l, "名额预约", "Limited places"),
        HERE,
        html! {
            (flash(&q))
            p.hint { (tr(l, "培训课程、活动、场地和咨询服务：发布后终端可预约，这里看报名名单。",
                         "Courses, activities, venues and consultations: once published, kiosks take bookings; the sign-up lists are here.")) }
            @if publish { (edit::new_buttons(l)) }
            table {
                thead { tr {
                    th { (tr(l, "项目", "Offering")) } th { (tr(l, "类别", "Category")) }
                    th { (tr(l, "状态", "State")) } th { (tr(l, "更新时间", "Updated")) } th {}
                } }
                tbody { @for r in &items { @if let ContentBody::Offering(o) = &r.item.body { tr {
                    td { @if cases { a href=(format!("{HERE}/{}", r.item.id)) { (o.title) } } @else { (o.title) } }
                    td { (tr(l, o.category.label_zh(), o.category.label_en())) }
                    td { @if r.live { span.pill.good { (tr(l, "展示中", "Live")) } } @else { span.pill { (tr(l, "未展示", "Not shown")) } } }
                    td { (when(r.item.updated_at)) }
                    td { @if publish {
                        a.small href=(format!("{HERE}/{}/edit", r.item.id)) { (tr(l, "编辑", "Edit")) }
                        " "
                        a.small href=(super::revisions::history_url(&r.item.id)) { (tr(l, "修改记录", "History")) }
                        @if r.live {
                            " "
                            form.inline method="post" action=(format!("{HERE}/{}/unpublish", r.item.id)) {
                                input type="hidden" name="_csrf" value=(s.csrf);
                                button.small.danger type="submit" data-confirm=(tr(l, "确定撤下这个项目？已有的预约会保留。", "Unpublish this offering? Existing bookings are kept.")) { (tr(l, "撤下", "Unpublish")) }
                            }
                        }
                    } }
                } } } }
            }
            @if items.is_empty() { p.hint { (tr(l, "还没有预约项目。", "No offerings yet.")) } }
        },
    ))
}

fn session_title(r: &Roster) -> String {
    match r.starts_at {
        Some(at) => format!("{} · {}", r.key, when(at)),
        None => r.key.clone(),
    }
}

/// One offering: each session with its people.
pub async fn offering(
    State(state): State<AppState>,
    s: CaseHandler,
    Path(id): Path<String>,
    Query(q): Query<Notice>,
) -> Page {
    let l = s.lang;
    let record = content::get(&state, s.actor.clone(), ContentId(id.clone()))
        .await
        .map_err(|e| app_error(l, e))?;
    let ContentBody::Offering(offering) = &record.item.body else {
        return Err(app_error(l, crate::error::AppError::not_found(&id)));
    };
    let rosters = roster::roster(
        &state,
        s.actor.clone(),
        ContentId(id.clone()),
        AuditAction::View,
    )
    .await
    .map_err(|e| app_error(l, e))?;
    let here = format!("{HERE}/{id}");
    let keys: Vec<&str> = rosters.iter().map(|r| r.key.as_str()).collect();
    ok(layout(
        &s,
        &offering.title,
        HERE,
        html! {
            (flash(&q))
            @for r in &rosters { section.card {
                h2 { (session_title(r)) " · " (tr(l, "已约", "Taken")) " " (taken(r)) " / " (r.capacity)
                     @if r.closed { " · " span.pill.rejected { (tr(l, "已截止", "Closed")) } } }
                p {
                    a.button href=(format!("{here}/sheet.csv?session={}", super::page::urlencode(&r.key))) { (tr(l, "签到表 CSV", "Sign-in sheet CSV")) }
                    " "
                    a.button href=(format!("{here}/sheet?session={}", super::page::urlencode(&r.key))) { (tr(l, "打印签到表", "Printable sign-in sheet")) }
                    @if !r.closed {
                        form.inline method="post" action=(format!("{here}/close")) {
                            input type="hidden" name="_csrf" value=(s.csrf);
                            input type="hidden" name="session" value=(r.key);
                            button type="submit" { (tr(l, "提前截止报名", "Close sign-up now")) }
                        }
                    }
                }
                (people(l, &s.csrf, &here, r, &keys))
            } }
        },
    ))
}

fn people(l: Lang, csrf: &str, here: &str, r: &Roster, keys: &[&str]) -> Markup {
    html! {
        table {
            thead { tr {
                th { "#" } th { (tr(l, "姓名", "Name")) } th { (tr(l, "手机号码", "Mobile")) }
                th { (tr(l, "会员", "Member")) } th { (tr(l, "状态", "Status")) } th { (tr(l, "回执编号", "Receipt")) }
                th { (tr(l, "到场", "Came")) } th { (tr(l, "调到其他场次", "Move to")) }
            } }
            tbody { @for (i, p) in r.people.iter().enumerate() { tr {
                td { (i + 1) } td { (p.name) } td { (p.phone) }
                td { (if p.member { tr(l, "是", "Yes") } else { tr(l, "否", "No") }) }
                td { span.pill.(p.status.as_str()) { (status_text(l, p)) } }
                td { (p.receipt) }
                td { @if p.status == BookingStatus::Confirmed {
                    form.inline method="post" action=(format!("{here}/attended")) {
                        input type="hidden" name="_csrf" value=(csrf);
                        input type="hidden" name="booking" value=(p.booking_id);
                        input type="hidden" name="attended" value=(if p.attended { "false" } else { "true" });
                        button type="submit" { (if p.attended { tr(l, "✓ 已到（撤销）", "✓ Came (undo)") } else { tr(l, "登记到场", "Mark as came") }) }
                    }
                } }
                td { @if matches!(p.status, BookingStatus::Confirmed | BookingStatus::Waitlisted) && keys.len() > 1 {
                    form.inline method="post" action=(format!("{here}/move")) {
                        input type="hidden" name="_csrf" value=(csrf);
                        input type="hidden" name="booking" value=(p.booking_id);
                        select name="session" { @for k in keys { @if *k != r.key { option value=(k) { (k) } } } }
                        button type="submit" { (tr(l, "调整", "Move")) }
                    }
                } }
            } } }
        }
        @if r.people.is_empty() { p.hint { (tr(l, "还没有人报名。", "Nobody yet.")) } }
    }
}

#[derive(Deserialize)]
pub struct SessionForm {
    session: String,
}

pub async fn close(
    State(state): State<AppState>,
    s: CaseHandler,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<SessionForm>,
) -> Page {
    let here = format!("{HERE}/{id}");
    Ok(
        match roster::close(&state, s.actor.clone(), ContentId(id), f.session).await {
            Ok(()) => back(&here, tr(s.lang, "已截止报名", "Sign-up closed")),
            Err(e) => back_with(&here, e),
        },
    )
}

#[derive(Deserialize)]
pub struct AttendedForm {
    booking: i64,
    attended: bool,
}

pub async fn attended(
    State(state): State<AppState>,
    s: CaseHandler,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<AttendedForm>,
) -> Page {
    let here = format!("{HERE}/{id}");
    Ok(
        match roster::attended(&state, s.actor.clone(), f.booking, f.attended).await {
            Ok(()) => back(&here, tr(s.lang, "已登记", "Saved")),
            Err(e) => back_with(&here, e),
        },
    )
}

#[derive(Deserialize)]
pub struct MoveForm {
    booking: i64,
    session: String,
}

pub async fn move_to(
    State(state): State<AppState>,
    s: CaseHandler,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<MoveForm>,
) -> Page {
    let here = format!("{HERE}/{id}");
    Ok(
        match roster::move_to(&state, s.actor.clone(), f.booking, f.session).await {
            Ok(_) => back(&here, tr(s.lang, "已调整场次", "Moved")),
            Err(e) => back_with(&here, e),
        },
    )
}

#[derive(Deserialize)]
pub struct SheetQuery {
    session: String,
}

/// The people with a place in one session, logged as an export.
async fn sheet_of(
    state: &AppState,
    s: &CaseHandler,
    id: String,
    session: &str,
) -> Result<Roster, axum::response::Response> {
    let rosters = roster::roster(
        state,
        s.actor.clone(),
        ContentId(id.clone()),
        AuditAction::Export,
    )
    .await
    .map_err(|e| app_error(s.lang, e))?;
    let mut r = rosters
        .into_iter()
        .find(|r| r.key == session)
        .ok_or_else(|| app_error(s.lang, crate::error::AppError::not_found(session)))?;
    r.people.retain(|p| p.status == BookingStatus::Confirmed);
    Ok(r)
}

/// The sign-in sheet as CSV (UTF-8 with a byte-order mark, for Excel).
pub async fn sheet_csv(
    State(state): State<AppState>,
    s: CaseHandler,
    Path(id): Path<String>,
    Query(q): Query<SheetQuery>,
) -> Page {
    let r = sheet_of(&state, &s, id, &q.session).await?;
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let csv_error = |e: csv::Error| app_error(s.lang, crate::error::AppError::internal("csv", e));
    w.write_record([
        "序号",
        "姓名",
        "手机号码",
        "会员",
        "回执编号",
        "到场",
        "签名",
    ])
    .map_err(csv_error)?;
    for (i, p) in r.people.iter().enumerate() {
        w.write_record([
            (i + 1).to_string(),
            p.name.clone(),
            p.phone.clone(),
            if p.member { "是" } else { "否" }.to_owned(),
            p.receipt.clone(),
            if p.attended { "✓" } else { "" }.to_owned(),
            String::new(),
        ])
        .map_err(csv_error)?;
    }
    let bytes = w.into_inner().map_err(|e| {
        app_error(
            s.lang,
            crate::error::AppError::internal("csv", e.to_string()),
        )
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"sign-in.csv\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The sign-in sheet as a page to print: the console's frame, which prints without its
/// navigation.
pub async fn sheet(
    State(state): State<AppState>,
    s: CaseHandler,
    Path(id): Path<String>,
    Query(q): Query<SheetQuery>,
) -> Page {
    let l = s.lang;
    let record = content::get(&state, s.actor.clone(), ContentId(id.clone()))
        .await
        .map_err(|e| app_error(l, e))?;
    let title = match &record.item.body {
        ContentBody::Offering(o) => o.title.clone(),
        _ => id.clone(),
    };
    let r = sheet_of(&state, &s, id, &q.session).await?;
    ok(layout(
        &s,
        &format!("{title} · {}", tr(l, "签到表", "Sign-in sheet")),
        HERE,
        html! {
            p { (session_title(&r)) " · " (tr(l, "共", "")) (r.people.len()) (tr(l, " 人", " people")) }
            table.sheet {
                thead { tr { th { "#" } th { (tr(l, "姓名", "Name")) } th { (tr(l, "手机号码", "Mobile")) } th { (tr(l, "回执编号", "Receipt")) } th { (tr(l, "签名", "Signature")) } } }
                tbody { @for (i, p) in r.people.iter().enumerate() { tr {
                    td { (i + 1) } td { (p.name) } td { (p.phone) } td { (p.receipt) } td.sign {}
                } } }
            }
        },
    ))
}
