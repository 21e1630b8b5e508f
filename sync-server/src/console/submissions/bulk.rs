//! Bulk actions on the cases ticked in the inbox: a status (with one reply for all), an
//! assignment, or an export. Each case goes through the same domain function as one at a time,
//! so each is scope-checked on its own: one outside the caller's subtree, or one that cannot
//! take the change, is counted as not done and named by count, never acted on.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use protocol::workflow::{Status, StatusChange};

use super::super::page::{Page, app_error, back, back_with_error, error_page};
use super::super::session::CaseHandler;
use super::super::tr;
use super::{HERE, assign_of};
use crate::state::AppState;
use crate::workflow::assign;
use crate::workflow::inbox::{self, Filter};

/// The most cases one bulk action takes (a page of the inbox).
pub const MAX_TICKED: usize = 500;

pub async fn bulk(State(state): State<AppState>, s: CaseHandler, body: Bytes) -> Page {
    let l = s.lang;
    let mut ids = Vec::new();
    let (mut csrf, mut action, mut status, mut reply, mut to) = (
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    );
    for (k, v) in url::form_urlencoded::parse(&body) {
        match &*k {
            "_csrf" => csrf = v.into_owned(),
            "do" => action = v.into_owned(),
            "status" => status = v.into_owned(),
            "reply" => reply = v.into_owned(),
            "to" => to = v.into_owned(),
            "id" if ids.len() < MAX_TICKED => ids.push(v.into_owned()),
            _ => {}
        }
    }
    s.check_csrf(&csrf)?;
    if ids.is_empty() {
        return Ok(back_with_error(
            HERE,
            tr(l, "请先勾选事项。", "Tick some cases first."),
        ));
    }
    let total = ids.len();
    let done = match action.as_str() {
        "export" => {
            let csv = inbox::export_csv(
                &state,
                s.actor.clone(),
                Filter {
                    ids: Some(ids),
                    ..Filter::default()
                },
            )
            .await
            .map_err(|e| app_error(l, e))?;
            return Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"submissions.csv\"",
                    ),
                ],
                csv,
            )
                .into_response());
        }
        "status" => {
            let status = Status::parse(&status).ok_or_else(|| {
                error_page(
                    l,
                    StatusCode::BAD_REQUEST,
                    tr(l, "请选择状态。", "Choose a status."),
                )
            })?;
            let mut done = 0;
            for id in ids {
                let change = StatusChange {
                    status,
                    reply: Some(reply.clone()),
                };
                if inbox::change(&state, s.actor.clone(), id, change)
                    .await
                    .is_ok()
                {
                    done += 1;
                }
            }
            done
        }
        "assign" => {
            let Some(to) = assign_of(&to) else {
                return Ok(back_with_error(
                    HERE,
                    tr(l, "请选择分派给谁。", "Choose who to assign them to."),
                ));
            };
            let mut done = 0;
            for id in ids {
                if assign::assign(&state, s.actor.clone(), id, to.clone())
                    .await
                    .is_ok()
                {
                    done += 1;
                }
            }
            done
        }
        _ => {
            return Err(error_page(
                l,
                StatusCode::BAD_REQUEST,
                tr(l, "没有这种操作。", "No such action."),
            ));
        }
    };
    let message = match l {
        super::super::Lang::Zh if done == total => format!("已处理 {done} 件。"),
        super::super::Lang::Zh => format!(
            "已处理 {done} 件；{} 件未处理（不存在、不在您的管辖范围内，或不能这样改）。",
            total - done
        ),
        super::super::Lang::En if done == total => format!("Done: {done}."),
        super::super::Lang::En => format!(
            "Done: {done}; not done: {} (unknown, outside your org, or not a change they can take).",
            total - done
        ),
    };
    if done == total {
        Ok(back(HERE, &message))
    } else {
        Ok(back_with_error(HERE, &message))
    }
}
