//! Accounts: disabling and enabling a user, setting their roles, resetting their password,
//! ending their sessions (actions on the users table of the orgs page), and changing one's own
//! password.
//!
//! The checks are the domain's (`staff::accounts`): an account outside the user's subtree is
//! not found, and no one disables their own account.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use maud::html;
use serde::Deserialize;

use super::orgs::RoleBoxes;
use super::page::{Notice, Page, app_error, back, back_with, flash, layout, ok};
use super::session::{Admin, ClientIp, CsrfForm, NoFields, Session, SignedIn};
use super::tr;
use crate::error::AppError;
use crate::staff::accounts;
use crate::state::AppState;

const USERS: &str = "/console/orgs";
const HERE: &str = "/console/account";

/// Out-of-reach accounts are refused with a page; other refusals go back with a notice.
fn refused(s: &Session, e: AppError) -> axum::response::Response {
    if e.status == StatusCode::NOT_FOUND || e.status == StatusCode::FORBIDDEN {
        app_error(s.lang, e)
    } else {
        back_with(USERS, e)
    }
}

pub async fn disable(
    State(state): State<AppState>,
    s: Admin,
    Path(id): Path<i64>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Page {
    accounts::disable(&state, s.actor.clone(), id)
        .await
        .map_err(|e| refused(&s, e))?;
    Ok(back(
        USERS,
        tr(
            s.lang,
            "已停用该账号，它的登录已全部结束。",
            "Account disabled; its sessions ended.",
        ),
    ))
}

pub async fn enable(
    State(state): State<AppState>,
    s: Admin,
    Path(id): Path<i64>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Page {
    accounts::enable(&state, s.actor.clone(), id)
        .await
        .map_err(|e| refused(&s, e))?;
    Ok(back(
        USERS,
        tr(s.lang, "已启用该账号。", "Account enabled."),
    ))
}

pub async fn end_sessions(
    State(state): State<AppState>,
    s: Admin,
    Path(id): Path<i64>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Page {
    accounts::end_sessions(&state, s.actor.clone(), id)
        .await
        .map_err(|e| refused(&s, e))?;
    Ok(back(
        USERS,
        tr(
            s.lang,
            "该账号的登录已全部结束。",
            "All of the account's sessions ended.",
        ),
    ))
}

/// The roles of the users table's row: an account out of reach is refused with a page, a role
/// the administrator may not give goes back with the reason.
pub async fn set_roles(
    State(state): State<AppState>,
    s: Admin,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<RoleBoxes>,
) -> Page {
    match accounts::set_roles(&state, s.actor.clone(), id, f.roles()).await {
        Ok(()) => Ok(back(
            USERS,
            tr(
                s.lang,
                "已保存角色，从该账号的下一次操作起生效。",
                "Roles saved; they apply from the account's next request.",
            ),
        )),
        Err(e) if e.status == StatusCode::NOT_FOUND => Err(app_error(s.lang, e)),
        Err(e) => Ok(back_with(USERS, e)),
    }
}

#[derive(Deserialize)]
pub struct ResetForm {
    new_password: String,
}

pub async fn reset_password(
    State(state): State<AppState>,
    s: Admin,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ResetForm>,
) -> Page {
    accounts::reset_password(&state, s.actor.clone(), id, f.new_password)
        .await
        .map_err(|e| refused(&s, e))?;
    Ok(back(
        USERS,
        tr(
            s.lang,
            "已重置密码；该账号需用新密码重新登录。",
            "Password reset; the account must sign in again with it.",
        ),
    ))
}

pub async fn account(s: SignedIn, Query(q): Query<Notice>) -> Page {
    let l = s.lang;
    ok(layout(
        &s,
        tr(l, "修改密码", "Change password"),
        HERE,
        html! {
            (flash(&q))
            form.card.editor method="post" action=(HERE) {
                input type="hidden" name="_csrf" value=(s.csrf);
                label { (tr(l, "当前密码", "Current password")) input name="current_password" type="password" required autocomplete="current-password"; }
                label { (tr(l, "新密码（至少 10 位）", "New password (10+ characters)")) input name="new_password" type="password" required minlength="10" autocomplete="new-password"; }
                button type="submit" { (tr(l, "修改密码", "Change password")) }
            }
            p.hint { (tr(l, "修改后，您在其他地方的登录会结束。", "Your sessions elsewhere end when you change it.")) }
        },
    ))
}

#[derive(Deserialize)]
pub struct ChangeForm {
    current_password: String,
    new_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    s: SignedIn,
    ClientIp(ip): ClientIp,
    CsrfForm(f): CsrfForm<ChangeForm>,
) -> Page {
    match accounts::change_own_password(
        &state,
        s.actor.clone(),
        &s.token,
        f.current_password,
        f.new_password,
        ip,
    )
    .await
    {
        Ok(()) => Ok(back(HERE, tr(s.lang, "密码已修改。", "Password changed."))),
        Err(e) => Ok(back_with(HERE, e)),
    }
}
