//! Retention: employees' answers are erased once their case has been closed (replied, approved
//! or rejected, and not reopened) for `retention.answers_days_after_closed` days. The case row,
//! its status, reply and history stay; the answers and the phone digits for the status check
//! go, and the erasure is in the audit log. A dry run says what would go and changes nothing.
//!
//! The running server erases what is due every `retention.check_every_hours`; the operator can
//! run it (or a dry run) with `sync-server retention`. Logs say how many, never whose.

use std::time::Duration;

use crate::store::{Tx, params};
use protocol::staff::AuditAction;
use protocol::workflow::Status;

use super::audit;
use crate::db::now_ms;
use crate::error::AppResult;
use crate::orgs::Actor;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Run {
    /// Say what would be erased; change nothing.
    DryRun,
    Erase,
}

/// What a run found (and, unless dry, erased).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Receipt codes of the cases whose answers are (or would be) erased.
    pub receipts: Vec<String>,
    /// Cases closed before this time were due (ms since the epoch).
    pub closed_before: i64,
}

const CLOSED: [Status; 3] = [Status::Replied, Status::Approved, Status::Rejected];

fn due(tx: &Tx<'_>, closed_before: i64) -> AppResult<Vec<(String, String)>> {
    let rows = tx
        .prepare(
            "SELECT id, receipt FROM submissions
             WHERE erased_at IS NULL AND status IN (?1, ?2, ?3)
               AND COALESCE(updated_at, received_at) < ?4
             ORDER BY received_at",
        )?
        .query_map(
            params![
                CLOSED[0].as_str(),
                CLOSED[1].as_str(),
                CLOSED[2].as_str(),
                closed_before
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Finds, and unless `run` is a dry run erases, the answers due as of `now` (ms since the
/// epoch; a parameter so tests can stand in the future).
pub async fn run(state: &AppState, now: i64, run: Run) -> AppResult<Report> {
    let days = i64::from(state.config.retention.answers_days_after_closed);
    let closed_before = now - days * 86_400_000;
    let found = match run {
        Run::DryRun => state.db.read(move |tx| due(tx, closed_before)).await?,
        Run::Erase => {
            state
                .db
                .write(move |tx| {
                    let found = due(tx, closed_before)?;
                    let mut erase = tx.prepare(
                        "UPDATE submissions SET answers = '{}', phone_last4 = NULL, erased_at = ?2
                         WHERE id = ?1",
                    )?;
                    for (id, _) in &found {
                        erase.execute(params![id, now])?;
                    }
                    if !found.is_empty() {
                        let ids: Vec<String> = found.iter().map(|(id, _)| id.clone()).collect();
                        audit::record(tx, &Actor::Operator, AuditAction::Erase, &ids, now)?;
                    }
                    Ok(found)
                })
                .await?
        }
    };
    Ok(Report {
        receipts: found.into_iter().map(|(_, receipt)| receipt).collect(),
        closed_before,
    })
}

/// The server's own runs: one at start, then every `check_every_hours`.
pub async fn run_periodically(state: AppState) {
    let every =
        Duration::from_secs(u64::from(state.config.retention.check_every_hours.max(1)) * 3600);
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        match run(&state, now_ms(), Run::Erase).await {
            Ok(report) if !report.receipts.is_empty() => {
                tracing::info!(
                    erased = report.receipts.len(),
                    "retention: erased the answers of closed cases past their retention period"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e.chain(), "retention run failed; will retry"),
        }
    }
}
