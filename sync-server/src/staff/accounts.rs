//! Managing accounts: editing one's name, disabling and enabling one, resetting its password
//! (to a temporary one it must change at its next sign-in), ending its sessions, and changing
//! one's own password. Every change an administrator makes is in the audit log
//! (`admin_log`), written in its transaction.
//!
//! Staff manage the accounts of their own org and everything below it, as they create them; an
//! account outside that is "not found", like one that does not exist, so ids cannot be probed.
//! No one disables their own account or resets their own password without the current one
//! (that is [`change_own_password`]). Disabling an account or setting its password ends all its
//! sessions in the same transaction.

use std::net::IpAddr;

use crate::store::{OptionalExtension, Tx, params};
use axum::http::StatusCode;
use protocol::ErrorCode;

use super::admin_log::{self, AdminAction, Target};
use super::roles::Roles;
use super::{check_password, hash, verify};
use crate::db::now_ms;
use crate::error::{AppError, AppResult};
use crate::orgs::Actor;
use crate::secrets::token_hash;
use crate::state::AppState;

/// Account `id`, if it is within the actor's reach: its username.
fn reachable(tx: &Tx<'_>, actor: &Actor, id: i64) -> AppResult<String> {
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

fn end_all(tx: &Tx<'_>, id: i64) -> AppResult<usize> {
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
            admin_log::record(tx, &actor, AdminAction::UserDisabled, Target::Staff(id), "")
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
            admin_log::record(tx, &actor, AdminAction::UserEnabled, Target::Staff(id), "")
        })
        .await
}

/// Ends every session of account `id` (one's own too); returns how many there were.
pub async fn end_sessions(state: &AppState, actor: Actor, id: i64) -> AppResult<usize> {
    state
        .db
        .write(move |tx| {
            reachable(tx, &actor, id)?;
            let ended = end_all(tx, id)?;
            admin_log::record(
                tx,
                &actor,
                AdminAction::SessionsEnded,
                Target::Staff(id),
                &ended.to_string(),
            )?;
            Ok(ended)
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
            admin_log::record(
                tx,
                &actor,
                AdminAction::RolesChanged,
                Target::Staff(id),
                &format!("{} → {}", before.to_column(), roles.to_column()),
            )
        })
        .await?;
    tracing::info!(staff = id, by = ?by, roles = %roles.to_column(), "staff roles changed");
    Ok(())
}

/// Edits account `id`'s display name (one's own too).
pub async fn edit(state: &AppState, actor: Actor, id: i64, display_name: String) -> AppResult<()> {
    let name = display_name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 40 {
        return Err(AppError::bad_request(
            ErrorCode::InvalidName,
            "姓名不能为空，且不超过 40 个字",
        ));
    }
    state
        .db
        .write(move |tx| {
            reachable(tx, &actor, id)?;
            let before: String =
                tx.query_row("SELECT display_name FROM staff WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?;
            if before == name {
                return Ok(());
            }
            tx.execute(
                "UPDATE staff SET display_name = ?2 WHERE id = ?1",
                params![id, name],
            )?;
            admin_log::record(
                tx,
                &actor,
                AdminAction::UserEdited,
                Target::Staff(id),
                &format!("{before} → {name}"),
            )
        })
        .await
}

/// Characters of a temporary password: no 0/O, 1/l/I, so it can be read out over the phone.
const TEMPORARY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A temporary password: 12 random characters in three groups (about 59 bits), `abcd-efgh-jkmn`.
fn temporary_password() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..3)
        .map(|_| {
            (0..4)
                .map(|_| TEMPORARY_ALPHABET[rng.random_range(0..TEMPORARY_ALPHABET.len())] as char)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Sets account `id`'s password (someone else's: one's own needs the current password) to a
/// temporary one, `chosen` or else made here, and ends its sessions; the account must change it
/// at its next sign-in. Returns the temporary password, for the administrator to pass on; it is
/// stored only as its hash and never logged.
pub async fn reset_password(
    state: &AppState,
    actor: Actor,
    id: i64,
    chosen: Option<String>,
) -> AppResult<String> {
    not_own(&actor, id, "修改自己的密码请用“修改密码”，需要输入当前密码")?;
    let temporary = chosen.unwrap_or_else(temporary_password);
    check_password(&temporary)?;
    let check = actor.clone();
    state.db.read(move |tx| reachable(tx, &check, id)).await?;
    let hashed = hash(state, temporary.clone()).await?;
    state
        .db
        .write(move |tx| {
            reachable(tx, &actor, id)?;
            tx.execute(
                "UPDATE staff SET password_hash = ?2, must_change_password = 1 WHERE id = ?1",
                params![id, hashed],
            )?;
            end_all(tx, id)?;
            admin_log::record(
                tx,
                &actor,
                AdminAction::PasswordReset,
                Target::Staff(id),
                "",
            )
        })
        .await?;
    Ok(temporary)
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
    let attempt = state.logins.begin(&state.db, &username, ip).await?;
    if !verify(state, current, stored).await? {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::WrongPassword,
            "当前密码不正确",
        ));
    }
    attempt.succeeded().await;
    let hashed = hash(state, new_password).await?;
    let keep = token_hash(token);
    state
        .db
        .write(move |tx| {
            tx.execute(
                "UPDATE staff SET password_hash = ?2, must_change_password = 0 WHERE id = ?1",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_passwords_are_long_enough_readable_and_differ() {
        let a = temporary_password();
        assert!(check_password(&a).is_ok(), "{a}");
        assert_eq!(a.len(), 14);
        assert!(
            a.bytes()
                .all(|b| b == b'-' || TEMPORARY_ALPHABET.contains(&b))
        );
        assert_ne!(a, temporary_password());
    }
}
