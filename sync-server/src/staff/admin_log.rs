//! Administration in the audit log: every change an administrator makes to an org or an account
//! (created, renamed, moved, disabled, enabled; edited, roles changed, password reset, sessions
//! ended), who made it and when, written in the same transaction as the change. The detail is a
//! short text (the new name, the roles given) and never a password. Read, like the rest of the
//! audit log, by the top org only (`workflow::audit::may_read`).

use crate::store::{Tx, params};
use jiff::Timestamp;
use protocol::OrgId;

use crate::db::{now_ms, to_ts};
use crate::error::{AppError, AppResult};
use crate::orgs::Actor;
use crate::state::AppState;

/// What an administrator did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminAction {
    OrgCreated,
    OrgRenamed,
    OrgMoved,
    OrgDisabled,
    OrgEnabled,
    UserCreated,
    UserEdited,
    RolesChanged,
    UserDisabled,
    UserEnabled,
    PasswordReset,
    SessionsEnded,
}

impl AdminAction {
    const ALL: [AdminAction; 12] = [
        AdminAction::OrgCreated,
        AdminAction::OrgRenamed,
        AdminAction::OrgMoved,
        AdminAction::OrgDisabled,
        AdminAction::OrgEnabled,
        AdminAction::UserCreated,
        AdminAction::UserEdited,
        AdminAction::RolesChanged,
        AdminAction::UserDisabled,
        AdminAction::UserEnabled,
        AdminAction::PasswordReset,
        AdminAction::SessionsEnded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AdminAction::OrgCreated => "org_created",
            AdminAction::OrgRenamed => "org_renamed",
            AdminAction::OrgMoved => "org_moved",
            AdminAction::OrgDisabled => "org_disabled",
            AdminAction::OrgEnabled => "org_enabled",
            AdminAction::UserCreated => "user_created",
            AdminAction::UserEdited => "user_edited",
            AdminAction::RolesChanged => "roles_changed",
            AdminAction::UserDisabled => "user_disabled",
            AdminAction::UserEnabled => "user_enabled",
            AdminAction::PasswordReset => "password_reset",
            AdminAction::SessionsEnded => "sessions_ended",
        }
    }

    fn of(s: &str) -> Option<AdminAction> {
        AdminAction::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// As the console shows it: Chinese, English.
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            AdminAction::OrgCreated => ("新建单位", "Org added"),
            AdminAction::OrgRenamed => ("单位改名", "Org renamed"),
            AdminAction::OrgMoved => ("单位调整上级", "Org moved"),
            AdminAction::OrgDisabled => ("停用单位", "Org disabled"),
            AdminAction::OrgEnabled => ("启用单位", "Org enabled"),
            AdminAction::UserCreated => ("新建用户", "User added"),
            AdminAction::UserEdited => ("修改用户", "User edited"),
            AdminAction::RolesChanged => ("修改角色", "Roles changed"),
            AdminAction::UserDisabled => ("停用用户", "User disabled"),
            AdminAction::UserEnabled => ("启用用户", "User enabled"),
            AdminAction::PasswordReset => ("重置密码", "Password reset"),
            AdminAction::SessionsEnded => ("强制下线", "Sessions ended"),
        }
    }
}

/// The org or the account an action was taken on.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    Org(OrgId),
    Staff(i64),
}

/// Records `action` by `actor` on `target`, inside the caller's write transaction.
pub fn record(
    tx: &Tx<'_>,
    actor: &Actor,
    action: AdminAction,
    target: Target,
    detail: &str,
) -> AppResult<()> {
    let (org, staff) = match target {
        Target::Org(o) => (Some(o.0), None),
        Target::Staff(s) => (None, Some(s)),
    };
    tx.execute(
        "INSERT INTO admin_log (at, staff_id, action, org_id, target_staff, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            now_ms(),
            actor.staff_id(),
            action.as_str(),
            org,
            staff,
            detail
        ],
    )?;
    Ok(())
}

/// One line of the administration log, with names as they are now.
#[derive(Debug, Clone)]
pub struct AdminEntry {
    pub id: i64,
    pub at: Timestamp,
    /// Who: display name and user name, or `系统` for the operator's command line.
    pub staff_name: String,
    pub action: Option<AdminAction>,
    /// The org or account acted on.
    pub target: String,
    pub detail: String,
}

/// The newest entries first, `limit` (at most 200) of them, older than entry `before` if given.
pub async fn list(
    state: &AppState,
    actor: Actor,
    before: Option<i64>,
    limit: u32,
) -> AppResult<Vec<AdminEntry>> {
    if !crate::workflow::audit::may_read(&actor) {
        return Err(AppError::new(
            axum::http::StatusCode::FORBIDDEN,
            protocol::ErrorCode::TopOrgOnly,
            "只有顶级单位的工作人员可以查看审计日志",
        ));
    }
    let limit = limit.clamp(1, 200);
    state
        .db
        .read(move |tx| {
            let rows = tx
                .prepare(
                    "SELECT a.id, a.at,
                            COALESCE(s.display_name || '（' || s.username || '）', '系统'),
                            a.action,
                            COALESCE(o.name, t.display_name || '（' || t.username || '）', ''),
                            a.detail
                     FROM admin_log a LEFT JOIN staff s ON s.id = a.staff_id
                     LEFT JOIN orgs o ON o.id = a.org_id LEFT JOIN staff t ON t.id = a.target_staff
                     WHERE CAST(?1 AS bigint) IS NULL OR a.id < ?1
                     ORDER BY a.id DESC LIMIT ?2",
                )?
                .query_map(params![before, limit], |r| {
                    Ok(AdminEntry {
                        id: r.get(0)?,
                        at: to_ts(r.get(1)?),
                        staff_name: r.get(2)?,
                        action: AdminAction::of(&r.get::<_, String>(3)?),
                        target: r.get(4)?,
                        detail: r.get(5)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_through_their_column_words() {
        for a in AdminAction::ALL {
            assert_eq!(AdminAction::of(a.as_str()), Some(a));
        }
        assert_eq!(AdminAction::of("view"), None);
    }
}
