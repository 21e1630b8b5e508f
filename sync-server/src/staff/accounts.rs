//! Managing accounts: disabling and enabling one, resetting its password, ending its sessions,
//! and changing one's own password.
//!
//! Staff manage the accounts of their own org and everything below it, as they create them; an
//! account outside that is "not found", like one that does not exist, so ids cannot be probed.
//! No one disables their own account or resets their own password without the current one
//! (that is [`change_own_password`]). Disabling an account or setting its password ends all its
//! sessions in the same transaction.

use std::net::IpAddr;

use axum::http::StatusCode;
use protocol::ErrorCode;
use rusqlite::{OptionalExtension, Transaction, params};

use super::roles::Roles;
use super::{check_password, hash, verify};
use crate::db::now_ms;
use crate::error::{AppError, AppResult};
use crate::orgs::Actor;
use crate::secrets::token_hash;
use crate::state::AppState;

/// Account `id`, if it is within the actor's reach: its username.
fn reachable(tx: &Transaction<'_>, actor: &Actor, id: i64) -> AppResult<String> {
    let (cond, path) = actor.subtree_filter("org_id");
    tx.query_row(
        &format!("SELECT username FROM staff WHERE id = ?2 AND {cond}"),
        params![path, id],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| AppError::not_found(&format!("用户 {id}")))
}

fn not_own(actor: &Actor, id: i64, message: &str) -> AppResult<()> {
    if actor.staff_id() == Some(id) {
        return Err(AppError::conflict(ErrorCode::OwnAccount, message));
    }
    Ok(())
}

fn end_all(tx: &Transaction<'_>, id: i64) -> AppResult<usize> {
    Ok(tx.execute("DELETE FROM staff_sessions WHERE staff_id = ?1", [id])?)
}

/// Disables account `id`: it cannot sign in, and its sessions end now.
pub async fn disable(state: &AppState, actor: Actor, id: i64) -> AppResult<()> {
    not_own(&actor, id, "不能停用自己的账号")?;
    state
        .db
        .write(move |tx| {
            reachable(tx, &actor, id)?;
            tx.execute(
                "UPDATE staff SET disabled_at = COALESCE(disabled_at, ?2) WHERE id = ?1",
                params![id, now_ms()],
            )?;
            end_all(tx, id)?;
            Ok(())
        })
        .await
}

/// Lets a disabled account sign in again.
pub async fn enable(state: &AppState, actor: Actor, id: i64) -> AppResult<()> {
    state
        .db
        .write(move |tx| {
            reachable(tx, &actor, id)?;
            tx.execute("UPDATE staff SET disabled_at = NULL WHERE id = ?1", [id])?;
            Ok(())
        })
        .await
}

/// Ends every session of account `id` (one's own too); returns how many there were.
pub async fn end_sessions(state: &AppState, actor: Actor, id: i64) -> AppResult<usize> {
    state
        .db
        .write(move |tx| {
            reachable(tx, &actor, id)?;
            end_all(tx, id)
        })
        .await
}

/// Gives account `id` exactly `roles`, from its next request on. Only roles the actor holds can
/// be given or taken away, and no one changes their own (an administrator cannot lock
/// themselves out, nor raise themselves).
pub async fn set_roles(state: &AppState, actor: Actor, id: i64, roles: Roles) -> AppResult<()> {
    if actor.staff_id() == Some(id) {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::RoleNotGrantable,
            "不能修改自己的角色，请由其他管理员修改",
        ));
    }
    let by = actor.staff_id();
    state
        .db
        .write(move |tx| {
            reachable(tx, &actor, id)?;
            let before: String =
                tx.query_row("SELECT roles FROM staff WHERE id = ?1", [id], |r| r.get(0))?;
            let before = Roles::from_column(&before);
            // What changes (added or removed) must be within the actor's own roles.
            super::roles::check_grant(actor.roles(), before.differing(roles))?;
            tx.execute(
                "UPDATE staff SET roles = ?2 WHERE id = ?1",
                params![id, roles.to_column()],
            )?;
            Ok(())
        })
        .await?;
    tracing::info!(staff = id, by = ?by, roles = %roles.to_column(), "staff roles changed");
    Ok(())
}

/// Sets account `id`'s password (someone else's: one's own needs the current password) and
/// ends its sessions.
pub async fn reset_password(
    state: &AppState,
    actor: Actor,
    id: i64,
    new_password: String,
) -> AppResult<()> {
    not_own(&actor, id, "修改自己的密码请用“修改密码”，需要输入当前密码")?;
    check_password(&new_password)?;
    let check = actor.clone();
    state.db.read(move |tx| reachable(tx, &check, id)).await?;
    let hashed = hash(state, new_password).await?;
    state
        .db
        .write(move |tx| {
            reachable(tx, &actor, id)?;
            tx.execute(
                "UPDATE staff SET password_hash = ?2 WHERE id = ?1",
                params![id, hashed],
            )?;
            end_all(tx, id)?;
            Ok(())
        })
        .await
}

/// Changes the signed-in staff member's own password, given the current one. Their other
/// sessions end; the one asking (`token`) stays. The current password is checked under the same
/// attempt limit as signing in.
pub async fn change_own_password(
    state: &AppState,
    actor: Actor,
    token: &str,
    current: String,
    new_password: String,
    ip: Option<IpAddr>,
) -> AppResult<()> {
    let Some(id) = actor.staff_id() else {
        return Err(AppError::bad_request(
            ErrorCode::OwnAccount,
            "服务器操作员没有密码可改",
        ));
    };
    check_password(&new_password)?;
    let (username, stored) = state
        .db
        .read(move |tx| {
            Ok(tx.query_row(
                "SELECT username, password_hash FROM staff WHERE id = ?1",
                [id],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            )?)
        })
        .await?;
    let attempt = state.logins.begin(&username, ip)?;
    if !verify(state, current, stored).await? {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::WrongPassword,
            "当前密码不正确",
        ));
    }
    attempt.succeeded();
    let hashed = hash(state, new_password).await?;
    let keep = token_hash(token);
    state
        .db
        .write(move |tx| {
            tx.execute(
                "UPDATE staff SET password_hash = ?2 WHERE id = ?1",
                params![id, hashed],
            )?;
            tx.execute(
                "DELETE FROM staff_sessions WHERE staff_id = ?1 AND token_hash <> ?2",
                params![id, keep],
            )?;
            Ok(())
        })
        .await
}
