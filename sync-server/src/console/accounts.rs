//! Accounts: one user's page (editing their name), disabling and enabling a user, setting their
//! roles, resetting their password to a temporary one shown once, ending their sessions (also
//! on the users table of the orgs page), and changing one's own password.
//!
//! The checks are the domain's (`staff::accounts`): an account outside the user's subtree is
//! not found, and no one disables their own account.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use maud::html;
use serde::Deserialize;

use super::orgs::{RoleBoxes, role_boxes};
use super::page::{Notice, Page, app_error, back, back_with, flash, layout, ok, org_options};
use super::session::{Admin, ClientIp, CsrfForm, NoFields, Session, SignedIn};
use super::tr;
use crate::error::AppError;
use crate::staff::{self, accounts};
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

/// Gives the account a temporary password made by the server and shows it this once (the
/// page is not cached, and the password is in no address and no log).
pub async fn reset_password(
    State(state): State<AppState>,
    s: Admin,
    Path(id): Path<i64>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Page {
    let l = s.lang;
    let temporary = accounts::reset_password(&state, s.actor.clone(), id, None)
        .await
        .map_err(|e| refused(&s, e))?;
    let page = layout(
        &s,
        tr(l, "临时密码", "Temporary password"),
        USERS,
        html! {
            div.card {
                p { (tr(l, "该账号的临时密码（只显示这一次）：", "The account's temporary password (shown only this once):")) }
                p.temporary { code { (temporary) } }
                p.hint { (tr(l, "请当面或电话告知本人。该账号的登录已全部结束；用临时密码登录后，必须先设置自己的新密码。", "Tell the person face to face or by phone. The account's sessions have ended; after signing in with it, they must set a password of their own first.")) }
            }
            p { a href=(format!("/console/users/{id}")) { (tr(l, "返回该用户", "Back to the user")) } }
        },
    );
    let mut response = page.into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// One account: its name, roles, and what can be done to it.
pub async fn user(
    State(state): State<AppState>,
    s: Admin,
    Path(id): Path<i64>,
    Query(q): Query<Notice>,
) -> Page {
    let l = s.lang;
    let users = staff::list(&state, s.actor.clone())
        .await
        .map_err(|e| app_error(l, e))?;
    let Some(u) = users.into_iter().find(|u| u.info.id == id) else {
        return Err(app_error(l, AppError::not_found(&format!("用户 {id}"))));
    };
    let tree = org_options(&state, &s).await?;
    let org = tree
        .iter()
        .find(|o| o.id == u.info.org_id)
        .map(|o| o.name.clone())
        .unwrap_or_default();
    let own = id == s.info.id;
    ok(layout(
        &s,
        &format!("{}：{}", tr(l, "用户", "User"), u.info.username),
        USERS,
        html! {
            (flash(&q))
            p {
                (tr(l, "所属单位：", "Org: ")) (org)
                @if u.disabled { " " span.pill.bad { (tr(l, "已停用", "Disabled")) } }
                @if u.must_change_password { " " span.pill.warn { (tr(l, "待改密码", "Must change password")) } }
            }
            div.split {
                form.card method="post" action=(format!("/console/users/{id}")) {
                    input type="hidden" name="_csrf" value=(s.csrf);
                    label { (tr(l, "姓名", "Display name")) input name="display_name" required maxlength="40" value=(u.info.display_name); }
                    button type="submit" { (tr(l, "保存", "Save")) }
                }
                @if !own {
                    form.card method="post" action=(format!("/console/users/{id}/roles")) {
                        input type="hidden" name="_csrf" value=(s.csrf);
                        fieldset.roles {
                            legend { (tr(l, "角色（可多选）", "Roles (any number)")) }
                            (role_boxes(l, &u.info.roles))
                        }
                        button type="submit" { (tr(l, "保存角色", "Save roles")) }
                    }
                }
            }
            @if !own {
                div.card {
                    @if u.disabled {
                        form.inline method="post" action=(format!("/console/users/{id}/enable")) {
                            input type="hidden" name="_csrf" value=(s.csrf);
                            button type="submit" { (tr(l, "启用", "Enable")) }
                        }
                    } @else {
                        form.inline method="post" action=(format!("/console/users/{id}/disable")) {
                            input type="hidden" name="_csrf" value=(s.csrf);
                            button.danger type="submit" { (tr(l, "停用", "Disable")) }
                        }
                    }
                    " "
                    form.inline method="post" action=(format!("/console/users/{id}/sessions")) {
                        input type="hidden" name="_csrf" value=(s.csrf);
                        button type="submit" { (tr(l, "强制下线", "End sessions")) }
                    }
                    " "
                    form.inline method="post" action=(format!("/console/users/{id}/password")) {
                        input type="hidden" name="_csrf" value=(s.csrf);
                        button type="submit" { (tr(l, "重置密码", "Reset password")) }
                    }
                    p.hint { (tr(l, "停用或重置密码会立即结束该账号的所有登录。重置后会显示一个临时密码，该账号下次登录时必须修改。", "Disabling or resetting the password ends all of the account's sessions at once. A reset shows a temporary password, which the account must change at its next sign-in.")) }
                }
            }
        },
    ))
}

#[derive(Deserialize)]
pub struct EditForm {
    display_name: String,
}

pub async fn edit(
    State(state): State<AppState>,
    s: Admin,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<EditForm>,
) -> Page {
    let here = format!("/console/users/{id}");
    match accounts::edit(&state, s.actor.clone(), id, f.display_name).await {
        Ok(()) => Ok(back(&here, tr(s.lang, "已保存。", "Saved."))),
        Err(e) if e.status == StatusCode::NOT_FOUND => Err(app_error(s.lang, e)),
        Err(e) => Ok(back_with(&here, e)),
    }
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
