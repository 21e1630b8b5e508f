//! The audit log: every time staff read or export employees' answers (and every erasure by
//! retention), who, when and which submissions. Written in the same transaction as the change
//! it records, or, for reads, before the answers are handed out: a read that cannot be logged
//! is refused. Only the top org's staff (and the operator) read the log.

use crate::store::{Tx, params};
use protocol::ErrorCode;
use protocol::staff::{AuditAction, AuditEntry};

use crate::db::{now_ms, to_ts};
use crate::error::{AppError, AppResult};
use crate::orgs::{Actor, ids_in_path};
use crate::state::AppState;

fn action_str(action: AuditAction) -> &'static str {
    match action {
        AuditAction::View => "view",
        AuditAction::Export => "export",
        AuditAction::Change => "change",
        AuditAction::Erase => "erase",
        AuditAction::Screenshot => "screenshot",
        AuditAction::Assign => "assign",
        AuditAction::Escalate => "escalate",
    }
}

fn action_of(s: &str) -> AuditAction {
    match s {
        "view" => AuditAction::View,
        "export" => AuditAction::Export,
        "change" => AuditAction::Change,
        "screenshot" => AuditAction::Screenshot,
        "assign" => AuditAction::Assign,
        "escalate" => AuditAction::Escalate,
        _ => AuditAction::Erase,
    }
}

/// Records that `actor` did `action` to `submissions`, inside the caller's write transaction.
pub fn record(
    tx: &Tx<'_>,
    actor: &Actor,
    action: AuditAction,
    submissions: &[String],
    at: i64,
) -> AppResult<()> {
    let entry: i64 = tx.query_row(
        "INSERT INTO audit_log (at, staff_id, action) VALUES (?1, ?2, ?3) RETURNING id",
        params![at, actor.staff_id(), action_str(action)],
        |r| r.get(0),
    )?;
    let mut insert = tx.prepare(
        "INSERT INTO audit_submissions (audit_id, submission_id) VALUES (?1, ?2)
         ON CONFLICT (audit_id, submission_id) DO NOTHING",
    )?;
    for id in submissions {
        insert.execute(params![entry, id])?;
    }
    Ok(())
}

/// Records that `actor` did `action` to a kiosk (a screenshot), inside the caller's write
/// transaction.
pub fn record_kiosk(
    tx: &Tx<'_>,
    actor: &Actor,
    action: AuditAction,
    kiosk: &protocol::KioskId,
    at: i64,
) -> AppResult<()> {
    tx.execute(
        "INSERT INTO audit_log (at, staff_id, action, kiosk_id) VALUES (?1, ?2, ?3, ?4)",
        params![at, actor.staff_id(), action_str(action), kiosk.0],
    )?;
    Ok(())
}

/// Records a read, in a transaction of its own. Callers hand the answers out only when this
/// succeeded.
pub async fn record_read(
    state: &AppState,
    actor: Actor,
    action: AuditAction,
    submissions: Vec<String>,
) -> AppResult<()> {
    state
        .db
        .write(move |tx| record(tx, &actor, action, &submissions, now_ms()))
        .await
}

/// Whether `actor` may read the audit log: staff of the top org, or the operator.
pub fn may_read(actor: &Actor) -> bool {
    match actor {
        Actor::Operator => true,
        Actor::Staff { org_path, .. } => ids_in_path(org_path).len() == 1,
    }
}

/// The newest entries first, `limit` (at most 200) of them, older than entry `before` if given.
pub async fn list(
    state: &AppState,
    actor: Actor,
    before: Option<i64>,
    limit: u32,
) -> AppResult<Vec<AuditEntry>> {
    if !may_read(&actor) {
        return Err(AppError::new(
            axum::http::StatusCode::FORBIDDEN,
            ErrorCode::TopOrgOnly,
            "只有顶级单位的工作人员可以查看审计日志",
        ));
    }
    let limit = limit.clamp(1, 200);
    state
        .db
        .read(move |tx| {
            let mut entries = tx
                .prepare(
                    "SELECT a.id, a.at, a.staff_id,
                            COALESCE(s.display_name || '（' || s.username || '）', '系统'),
                            a.action, a.kiosk_id
                     FROM audit_log a LEFT JOIN staff s ON s.id = a.staff_id
                     WHERE CAST(?1 AS bigint) IS NULL OR a.id < ?1
                     ORDER BY a.id DESC LIMIT ?2",
                )?
                .query_map(params![before, limit], |r| {
                    Ok(AuditEntry {
                        id: r.get(0)?,
                        at: to_ts(r.get(1)?),
                        staff_id: r.get(2)?,
                        staff_name: r.get(3)?,
                        action: action_of(&r.get::<_, String>(4)?),
                        receipts: Vec::new(),
                        kiosk_id: r.get::<_, Option<String>>(5)?.map(protocol::KioskId),
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let mut receipts = tx.prepare(
                "SELECT sub.receipt FROM audit_submissions a JOIN submissions sub
                 ON sub.id = a.submission_id WHERE a.audit_id = ?1 ORDER BY sub.receipt",
            )?;
            for entry in &mut entries {
                entry.receipts = receipts
                    .query_map([entry.id], |r| r.get(0))?
                    .collect::<Result<Vec<_>, _>>()?;
            }
            Ok(entries)
        })
        .await
}
