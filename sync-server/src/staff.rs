//! Staff accounts (argon2 password hashes) and their expiring bearer sessions.
//!
//! Every password check, whichever door it comes through (the API, the console), goes through
//! [`guard::LoginGuard`]: limited per username and per address, and a few at a time.
//! A session ends at `session_hours`, or sooner when unused for `session_idle_minutes`, or when
//! its account (or its org: `orgs::manage`) is disabled or its password reset ([`accounts`]).
//! An account whose password an administrator set may only change it until it does.

pub mod accounts;
pub mod admin_log;
pub mod guard;
pub mod roles;

use crate::db::{now_ms, to_ts};
use crate::error::{AppError, AppResult};
use crate::orgs::{self, Actor};
use crate::secrets::{random_token, token_hash};
use crate::state::AppState;
use crate::store::{OptionalExtension, Tx, params};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::http::StatusCode;
use protocol::staff::{LoginResponse, NewStaff, StaffAccount, StaffInfo};
use protocol::{ErrorCode, OrgId};
use roles::Roles;
use std::net::IpAddr;
use std::sync::LazyLock;

pub fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal("password hashing failed", e))
}

fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

fn check_new_staff(s: &NewStaff) -> AppResult<()> {
    let name_ok = (3..=40).contains(&s.username.len())
        && s.username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if !name_ok {
        return Err(AppError::bad_request(
            ErrorCode::InvalidUsername,
            "用户名须为 3 到 40 位字母、数字、下划线、点或连字符",
        ));
    }
    check_password(&s.password)
}

fn check_password(password: &str) -> AppResult<()> {
    if password.chars().count() < 10 {
        return Err(AppError::bad_request(
            ErrorCode::WeakPassword,
            "密码至少 10 位",
        ));
    }
    Ok(())
}

/// Hashes `password` on the blocking pool, when the guard gives a turn (hashing costs what
/// checking does).
async fn hash(state: &AppState, password: String) -> AppResult<String> {
    let _turn = state.logins.verification().await;
    crate::obs::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::internal("hashing task", e))?
}

/// Creates an account with the roles named, or none named, the creator's own; never a role the
/// creator does not hold. The password is hashed before the write transaction starts.
pub async fn create(state: &AppState, actor: Actor, new: NewStaff) -> AppResult<StaffInfo> {
    check_new_staff(&new)?;
    let hash = hash(state, new.password.clone()).await?;
    state
        .db
        .write(move |tx| {
            let info = insert(tx, &actor, &new, &hash)?;
            admin_log::record(
                tx,
                &actor,
                admin_log::AdminAction::UserCreated,
                admin_log::Target::Staff(info.id),
                &roles::Roles::of(&info.roles).to_column(),
            )?;
            Ok(info)
        })
        .await
}

pub fn insert(tx: &Tx<'_>, actor: &Actor, new: &NewStaff, hash: &str) -> AppResult<StaffInfo> {
    actor.check_org(tx, new.org_id)?;
    let roles = new.roles.as_deref().map_or(actor.roles(), Roles::of);
    roles::check_grant(actor.roles(), roles)?;
    let taken: bool = tx.query_row(
        "SELECT EXISTS(SELECT 1 FROM staff WHERE username = ?1)",
        [&new.username],
        |r| r.get(0),
    )?;
    if taken {
        return Err(AppError::conflict(
            ErrorCode::UsernameTaken,
            format!("用户名“{}”已被使用", new.username),
        ));
    }
    let display = if new.display_name.trim().is_empty() {
        new.username.clone()
    } else {
        new.display_name.trim().to_owned()
    };
    let id: i64 = tx.query_row(
        "INSERT INTO staff (username, display_name, password_hash, org_id, created_at, roles)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        params![
            new.username,
            display,
            hash,
            new.org_id.0,
            now_ms(),
            roles.to_column()
        ],
        |r| r.get(0),
    )?;
    Ok(StaffInfo {
        id,
        username: new.username.clone(),
        display_name: display,
        org_id: new.org_id,
        roles: roles.list(),
    })
}

/// The accounts in the actor's subtree, disabled ones too.
pub async fn list(state: &AppState, actor: Actor) -> AppResult<Vec<StaffAccount>> {
    state
        .db
        .read(move |tx| {
            let (cond, param) = actor.subtree_filter("org_id");
            let sql = format!(
                "SELECT id, username, display_name, org_id, disabled_at IS NOT NULL, roles,
                        must_change_password
                 FROM staff WHERE {cond} ORDER BY id"
            );
            let mut stmt = tx.prepare(&sql)?;
            let map = |r: &crate::store::Row<'_>| {
                Ok(StaffAccount {
                    info: StaffInfo {
                        id: r.get(0)?,
                        username: r.get(1)?,
                        display_name: r.get(2)?,
                        org_id: OrgId(r.get(3)?),
                        roles: Roles::from_column(&r.get::<_, String>(5)?).list(),
                    },
                    disabled: r.get(4)?,
                    must_change_password: r.get(6)?,
                })
            };
            let rows = stmt
                .query_map([param], map)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
}

/// A hash to verify against when the username is unknown, so both failures take as long.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_password("no such user").expect("hashing a constant with a fresh salt cannot fail")
});

/// Checks `password` against `stored` on the blocking pool, when the guard gives a turn.
async fn verify(state: &AppState, password: String, stored: String) -> AppResult<bool> {
    let _turn = state.logins.verification().await;
    crate::obs::spawn_blocking(move || verify_password(&password, &stored))
        .await
        .map_err(|e| AppError::internal("verify task", e))
}

/// Signs in for `staff.session_hours`. `ip` is the client's address, for the attempt limit.
pub async fn login(
    state: &AppState,
    username: String,
    password: String,
    ip: Option<IpAddr>,
) -> AppResult<LoginResponse> {
    let attempt = state.logins.begin(&state.db, &username, ip).await?;
    let hours = state.config.staff.session_hours;
    let idle_ms = idle_ms(state);
    let user = username.clone();
    let found = state
        .db
        .read(move |tx| {
            Ok(tx
                .query_row(
                    &format!(
                        "SELECT s.id, s.display_name, s.password_hash, s.org_id,
                                s.disabled_at IS NOT NULL, s.roles, {}
                         FROM staff s JOIN orgs o ON o.id = s.org_id WHERE s.username = ?1",
                        crate::orgs::manage::disabled_cond("o.path")
                    ),
                    [&user],
                    |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, i64>(3)?,
                            r.get::<_, bool>(4)?,
                            r.get::<_, String>(5)?,
                            r.get::<_, bool>(6)?,
                        ))
                    },
                )
                .optional()?)
        })
        .await?;
    let stored = found
        .as_ref()
        .map_or_else(|| DUMMY_HASH.clone(), |f| f.2.clone());
    let ok = verify(state, password, stored).await?;
    let Some((id, display_name, _, org, disabled, roles, org_disabled)) = found.filter(|_| ok)
    else {
        return Err(AppError::unauthorized(
            ErrorCode::InvalidCredentials,
            "用户名或密码不正确",
        ));
    };
    attempt.succeeded().await;
    // Said only to someone who knows the password, so it tells a guesser nothing.
    if disabled {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::AccountDisabled,
            "这个账号已停用，请联系上级单位的管理员",
        ));
    }
    if org_disabled {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::OrgDisabled,
            "您所在的单位已停用，暂时不能登录；请联系上级单位的管理员",
        ));
    }
    let token = random_token(32);
    let hash = token_hash(&token);
    let now = now_ms();
    let expires = now + i64::from(hours) * 3_600_000;
    state
        .db
        .write(move |tx| {
            tx.execute(
                "DELETE FROM staff_sessions WHERE expires_at < ?1 OR last_used_at < ?2",
                params![now, now - idle_ms],
            )?;
            tx.execute(
                "INSERT INTO staff_sessions (token_hash, staff_id, expires_at, last_used_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![hash, id, expires, now],
            )?;
            Ok(())
        })
        .await?;
    Ok(LoginResponse {
        token,
        expires_at: to_ts(expires),
        staff: StaffInfo {
            id,
            username,
            display_name,
            org_id: OrgId(org),
            roles: Roles::from_column(&roles).list(),
        },
    })
}

/// How long a session may go unused.
fn idle_ms(state: &AppState) -> i64 {
    i64::from(state.config.staff.session_idle_minutes.max(1)) * 60_000
}

/// A session's last use is written at most this often (or every half idle period, if that is
/// shorter), so browsing the console is not a database write per request.
const TOUCH_EVERY_MS: i64 = 60_000;

/// The staff member behind a session token, if the session is still valid; a used session's
/// idle clock starts again.
pub async fn authenticate(state: &AppState, token: &str) -> AppResult<(StaffInfo, Actor)> {
    let hash = token_hash(token);
    let (now, idle) = (now_ms(), idle_ms(state));
    let (info, actor, last_used) = state
        .db
        .read({
            let hash = hash.clone();
            move |tx| session_at(tx, &hash, now, idle)
        })
        .await?;
    if now - last_used >= TOUCH_EVERY_MS.min(idle / 2) {
        state
            .db
            .write(move |tx| {
                tx.execute(
                    "UPDATE staff_sessions SET last_used_at = ?2 WHERE token_hash = ?1",
                    params![hash, now],
                )?;
                Ok(())
            })
            .await?;
    }
    Ok((info, actor))
}

/// The session `hash` as of `now`: its staff member, their authority, and when it was last used.
/// Expired, idle for `idle_ms` or more, or of a disabled account: no session.
fn session_at(
    tx: &Tx<'_>,
    hash: &[u8],
    now: i64,
    idle_ms: i64,
) -> AppResult<(StaffInfo, Actor, i64)> {
    let row = tx
        .query_row(
            &format!(
                "SELECT s.id, s.username, s.display_name, s.org_id, o.path, t.last_used_at,
                        s.roles, s.must_change_password
                 FROM staff_sessions t JOIN staff s ON s.id = t.staff_id
                 JOIN orgs o ON o.id = s.org_id
                 WHERE t.token_hash = ?1 AND t.expires_at > ?2 AND t.last_used_at > ?2 - ?3
                   AND s.disabled_at IS NULL AND NOT {}",
                crate::orgs::manage::disabled_cond("o.path")
            ),
            params![hash, now, idle_ms],
            |r| {
                Ok((
                    StaffInfo {
                        id: r.get(0)?,
                        username: r.get(1)?,
                        display_name: r.get(2)?,
                        org_id: OrgId(r.get(3)?),
                        roles: Roles::from_column(&r.get::<_, String>(6)?).list(),
                    },
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, bool>(7)?,
                ))
            },
        )
        .optional()?;
    let (info, org_path, last_used, must_change) = row.ok_or_else(|| {
        AppError::unauthorized(ErrorCode::InvalidSession, "登录已过期或无效，请重新登录")
    })?;
    let actor = Actor::Staff {
        id: info.id,
        org: info.org_id,
        org_path,
        roles: Roles::of(&info.roles),
        must_change,
    };
    Ok((info, actor, last_used))
}

pub async fn logout(state: &AppState, token: &str) -> AppResult<()> {
    let hash = token_hash(token);
    state
        .db
        .write(move |tx| {
            tx.execute("DELETE FROM staff_sessions WHERE token_hash = ?1", [hash])?;
            Ok(())
        })
        .await
}

/// `init`: the root org and its first administrator, on an empty database.
pub async fn bootstrap(
    state: &AppState,
    org_name: String,
    admin: NewStaff,
) -> AppResult<StaffInfo> {
    check_new_staff(&admin)?;
    let hash = hash(state, admin.password.clone()).await?;
    state
        .db
        .write(move |tx| {
            let root = orgs::create_in(tx, None, &org_name)?;
            let admin = NewStaff {
                org_id: root.id,
                ..admin
            };
            insert(tx, &Actor::Operator, &admin, &hash)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hash_verifies_only_the_right_password() {
        let h = hash_password("correct horse battery").expect("hashes");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong horse battery", &h));
        assert!(!verify_password("anything", &DUMMY_HASH));
        assert!(
            PasswordHash::new(&DUMMY_HASH).is_ok(),
            "dummy hash must cost a real verify"
        );
    }
}
