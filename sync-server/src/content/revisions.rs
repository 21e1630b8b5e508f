//! Revisions: every save of an item (a new version) is kept with its body as stored, who saved
//! it, when, and which fields it changed; any revision can be restored, which saves its body
//! again as a new version that reaches kiosks through the feed like any edit.
//!
//! Reading and restoring check the item is in the actor's subtree: one outside it reads as
//! unknown, as everywhere else.

use super::{ContentTx, Schedule, commit, load_own, row};
use crate::db::to_ts;
use crate::error::{AppError, AppResult};
use crate::orgs::Actor;
use crate::state::AppState;
use crate::store::{OptionalExtension, Tx, params};
use jiff::Timestamp;
use protocol::content::ContentBody;
use protocol::staff::ContentRecord;
use protocol::{ContentId, ErrorCode};

/// One saved version of an item.
#[derive(Debug, Clone)]
pub struct Revision {
    pub version: u32,
    /// The staff member's name when they saved it; empty for the operator's command line.
    pub author: String,
    pub staff_id: Option<i64>,
    pub saved_at: Timestamp,
    /// The body's top-level fields this save changed (empty for the first version, and for a
    /// save that changed only the schedule or the org).
    pub changed: Vec<String>,
    /// The revision this one restored.
    pub restored_from: Option<u32>,
}

/// An item as it is now and every revision of it, newest first.
#[derive(Debug, Clone)]
pub struct History {
    pub record: ContentRecord,
    pub revisions: Vec<Revision>,
}

/// A revision with its body, and the one before it (what it changed) when there is one.
#[derive(Debug, Clone)]
pub struct Compared {
    pub record: ContentRecord,
    pub revision: Revision,
    pub body: ContentBody,
    pub base: Option<(Revision, ContentBody)>,
}

const COLUMNS: &str = "version, author, staff_id, saved_at, changed, restored_from";

fn read_revision(r: &crate::store::Row<'_>) -> crate::store::Result<Revision> {
    let changed: String = r.get(4)?;
    Ok(Revision {
        version: r.get(0)?,
        author: r.get(1)?,
        staff_id: r.get(2)?,
        saved_at: to_ts(r.get(3)?),
        changed: changed
            .split(',')
            .filter(|f| !f.is_empty())
            .map(str::to_owned)
            .collect(),
        restored_from: r.get(5)?,
    })
}

/// Records the version `row` now holds. `previous`: the body it replaced.
pub(super) fn record(
    tx: &Tx<'_>,
    actor: &Actor,
    row: &row::Stored,
    previous: Option<&ContentBody>,
    restored_from: Option<u32>,
    now: i64,
) -> AppResult<()> {
    let staff_id = actor.staff_id();
    let author: String = match staff_id {
        Some(id) => tx
            .prepare_cached("SELECT display_name FROM staff WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?
            .unwrap_or_default(),
        None => String::new(),
    };
    let changed = previous
        .map(|old| super::diff::changed_fields(old, &row.body).join(","))
        .unwrap_or_default();
    // The body this save replaces is now history: it goes into the revision that held it
    // (the one without a body); the new current version's body stays in the content row only.
    if let Some(old) = previous {
        tx.prepare_cached("UPDATE revisions SET body = ?2 WHERE content_id = ?1 AND body IS NULL")?
            .execute(params![row.id.0, serde_json::to_string(old)?])?;
    }
    tx.prepare_cached(
        "INSERT INTO revisions (content_id, version, body, staff_id, author, saved_at, changed,
             restored_from)
         VALUES (?1, ?2, NULL, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        row.id.0,
        row.version,
        staff_id,
        author,
        now,
        changed,
        restored_from
    ])?;
    Ok(())
}

fn unknown(id: &ContentId, version: u32) -> AppError {
    AppError::not_found(&format!("内容 {id} 的第 {version} 版"))
}

/// A revision and its body, if the item has it.
fn find(tx: &Tx<'_>, id: &ContentId, version: u32) -> AppResult<Option<(Revision, ContentBody)>> {
    let found: Option<(Revision, String)> = tx
        .prepare_cached(&format!(
            "SELECT {COLUMNS}, coalesce(body, (SELECT body FROM content WHERE id = ?1))
             FROM revisions WHERE content_id = ?1 AND version = ?2"
        ))?
        .query_row(params![id.0, version], |r| {
            Ok((read_revision(r)?, r.get(6)?))
        })
        .optional()?;
    match found {
        Some((rev, body)) => Ok(Some((rev, serde_json::from_str(&body)?))),
        None => Ok(None),
    }
}

/// The item and its revisions, newest first.
pub async fn history(state: &AppState, actor: Actor, id: ContentId) -> AppResult<History> {
    state
        .db
        .read(move |tx| {
            let record = load_own(tx, &actor, &id)?.record();
            let revisions = tx
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM revisions WHERE content_id = ?1 ORDER BY version DESC"
                ))?
                .query_map([&id.0], read_revision)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(History { record, revisions })
        })
        .await
}

/// Revision `version` of the item with its body, and the revision before it (or `against`,
/// when given) to compare it with.
pub async fn compare(
    state: &AppState,
    actor: Actor,
    id: ContentId,
    version: u32,
    against: Option<u32>,
) -> AppResult<Compared> {
    state
        .db
        .read(move |tx| {
            let record = load_own(tx, &actor, &id)?.record();
            let (revision, body) = find(tx, &id, version)?.ok_or_else(|| unknown(&id, version))?;
            let base_version: Option<u32> = match against {
                Some(v) => Some(v),
                None => tx
                    .prepare_cached(
                        "SELECT max(version) FROM revisions WHERE content_id = ?1 AND version < ?2",
                    )?
                    .query_row(params![id.0, version], |r| r.get(0))?,
            };
            let base = match base_version {
                Some(v) => Some(find(tx, &id, v)?.ok_or_else(|| unknown(&id, v))?),
                None => None,
            };
            Ok(Compared {
                record,
                revision,
                body,
                base,
            })
        })
        .await
}

impl ContentTx<'_> {
    /// Saves revision `version`'s body again as a new version; the item keeps its org,
    /// schedule and state (an unpublished item stays unpublished).
    pub(super) fn restore(&mut self, id: ContentId, version: u32) -> AppResult<ContentRecord> {
        let now = load_own(self.tx, self.actor, &id)?;
        let (_, body) = find(self.tx, &id, version)?.ok_or_else(|| unknown(&id, version))?;
        if body == now.body {
            return Err(AppError::conflict(
                ErrorCode::InvalidContent,
                format!("第 {version} 版的内容与当前内容相同，无需恢复"),
            ));
        }
        let schedule = (now.publish_at, now.expire_at);
        self.rewrite_keeping(now, body, schedule, Some(version))
    }
}

/// Restores revision `version` of an item: its body becomes a new version, which kiosks get
/// through the feed when the item is live.
pub async fn restore(
    state: &AppState,
    actor: Actor,
    id: ContentId,
    version: u32,
) -> AppResult<ContentRecord> {
    commit(state, actor, Schedule::MayMove, move |cx| {
        cx.restore(id, version)
    })
    .await
}
