//! Managing orgs that exist: renaming one, moving it (with its sub-orgs, kiosks and content)
//! under another parent, disabling and enabling it.
//!
//! An administrator acts on orgs in their own subtree (`Actor::check_org`), and moves an org only
//! to a parent in that subtree which is not the org itself or below it: so nobody moves their own
//! org (every parent they reach is below it), nor the root. Content stays with its org, so it
//! moves along. Kiosks learn of it through the feed: a move changes their scope (their org's
//! ancestors), so their scope epoch grows and their next pull starts a resync; a rename and a
//! move end their event streams with `reset`, after which a kiosk reads its org again
//! (`GET /v1/kiosk`). Disabling keeps everything: the subtree's kiosks are refused
//! (`org_disabled`) until it is enabled, no enrollment token is made or spent there, and its
//! staff's sessions end and they cannot sign in.
//! Each change is written to the audit log in its transaction.

use crate::store::{Tx, params};
use protocol::{ErrorCode, KioskId, OrgId};

use super::{Actor, check_name, path_of};
use crate::db::now_ms;
use crate::error::{AppError, AppResult};
use crate::staff::admin_log::{self, AdminAction, Target};
use crate::state::AppState;

/// SQL condition: the org whose path is the expression `path` is disabled, itself or through an
/// org above it. Reads only the disabled orgs (a partial index holds them).
pub fn disabled_cond(path: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM orgs d WHERE d.disabled_at IS NOT NULL
                 AND substr({path}, 1, length(d.path)) = d.path)"
    )
}

/// The kiosks (revoked ones too) of the org at `path` and every org below it.
fn kiosks_below(tx: &Tx<'_>, path: &str) -> AppResult<Vec<KioskId>> {
    let ids = tx
        .prepare(
            "SELECT k.id FROM kiosks k JOIN orgs o ON o.id = k.org_id
             WHERE substr(o.path, 1, length(?1)) = ?1",
        )?
        .query_map([path], |r| r.get(0).map(KioskId))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ids)
}

fn name_of(tx: &Tx<'_>, id: OrgId) -> AppResult<String> {
    Ok(tx.query_row("SELECT name FROM orgs WHERE id = ?1", [id.0], |r| r.get(0))?)
}

fn sibling_named(tx: &Tx<'_>, parent: Option<i64>, name: &str, except: OrgId) -> AppResult<()> {
    let taken: bool = tx.query_row(
        "SELECT EXISTS(SELECT 1 FROM orgs WHERE coalesce(parent_id, 0) = ?1 AND name = ?2
                       AND id <> ?3)",
        params![parent.unwrap_or(0), name, except.0],
        |r| r.get(0),
    )?;
    if taken {
        return Err(AppError::conflict(
            ErrorCode::NameTaken,
            format!("同一上级下已有名为“{name}”的单位"),
        ));
    }
    Ok(())
}

/// Wakes the kiosks' event streams after the commit: each ends with `reset`, and the kiosk
/// pulls and reads its org again.
fn tell(state: &AppState, kiosks: &[KioskId]) {
    for k in kiosks {
        state.hub.kiosk_changed(k);
    }
}

/// Renames org `id`.
pub async fn rename(state: &AppState, actor: Actor, id: OrgId, name: String) -> AppResult<()> {
    let name = check_name(&name)?;
    let kiosks = state
        .db
        .write(move |tx| {
            actor.check_org(tx, id)?;
            let before = name_of(tx, id)?;
            if before == name {
                return Ok(Vec::new());
            }
            let parent: Option<i64> =
                tx.query_row("SELECT parent_id FROM orgs WHERE id = ?1", [id.0], |r| {
                    r.get(0)
                })?;
            sibling_named(tx, parent, &name, id)?;
            tx.execute(
                "UPDATE orgs SET name = ?2 WHERE id = ?1",
                params![id.0, name],
            )?;
            admin_log::record(
                tx,
                &actor,
                AdminAction::OrgRenamed,
                Target::Org(id),
                &format!("{before} → {name}"),
            )?;
            kiosks_below(tx, &path_of(tx, id)?)
        })
        .await?;
    tell(state, &kiosks);
    Ok(())
}

/// Moves org `id`, with everything below it, under `parent`.
pub async fn move_under(state: &AppState, actor: Actor, id: OrgId, parent: OrgId) -> AppResult<()> {
    let kiosks = state
        .db
        .write(move |tx| {
            actor.check_org(tx, id)?;
            actor.check_org(tx, parent)?;
            let old = path_of(tx, id)?;
            let parent_path = path_of(tx, parent)?;
            if parent_path.starts_with(&old) {
                return Err(AppError::bad_request(
                    ErrorCode::InvalidMove,
                    "不能把单位移到它自己或它的下级单位之下",
                ));
            }
            let (current, name): (Option<i64>, String) = tx.query_row(
                "SELECT parent_id, name FROM orgs WHERE id = ?1",
                [id.0],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let Some(current) = current else {
                return Err(AppError::bad_request(
                    ErrorCode::InvalidMove,
                    "顶级单位不能移动",
                ));
            };
            if current == parent.0 {
                return Ok(Vec::new());
            }
            sibling_named(tx, Some(parent.0), &name, id)?;
            let new = format!("{parent_path}{id}/");
            tx.execute(
                "UPDATE orgs SET path = ?2 || substr(path, length(?1) + 1)
                 WHERE substr(path, 1, length(?1)) = ?1",
                params![old, new],
            )?;
            tx.execute(
                "UPDATE orgs SET parent_id = ?2 WHERE id = ?1",
                params![id.0, parent.0],
            )?;
            // The kiosks' ancestors changed, so their scope did: their next pull resyncs.
            tx.execute(
                "UPDATE kiosks SET scope_epoch = scope_epoch + 1 WHERE org_id IN
                 (SELECT id FROM orgs WHERE substr(path, 1, length(?1)) = ?1)",
                [&new],
            )?;
            let detail = format!(
                "{name}：{} → {}",
                name_of(tx, OrgId(current))?,
                name_of(tx, parent)?
            );
            admin_log::record(tx, &actor, AdminAction::OrgMoved, Target::Org(id), &detail)?;
            kiosks_below(tx, &new)
        })
        .await?;
    tell(state, &kiosks);
    Ok(())
}

/// Disables org `id` and so everything below it (`disabled`), or enables it again. Nobody
/// disables their own org (they would lock themselves out).
pub async fn set_disabled(
    state: &AppState,
    actor: Actor,
    id: OrgId,
    disabled: bool,
) -> AppResult<()> {
    if disabled && matches!(&actor, Actor::Staff { org, .. } if *org == id) {
        return Err(AppError::conflict(
            ErrorCode::OwnOrg,
            "不能停用本单位：请由上级单位的管理员操作",
        ));
    }
    let kiosks = state
        .db
        .write(move |tx| {
            actor.check_org(tx, id)?;
            let path = path_of(tx, id)?;
            let (changed, action) = if disabled {
                let n = tx.execute(
                    "UPDATE orgs SET disabled_at = ?2 WHERE id = ?1 AND disabled_at IS NULL",
                    params![id.0, now_ms()],
                )?;
                // Its staff's sessions end now; signing in is refused while it is disabled.
                tx.execute(
                    "DELETE FROM staff_sessions WHERE staff_id IN (SELECT s.id FROM staff s
                     JOIN orgs o ON o.id = s.org_id WHERE substr(o.path, 1, length(?1)) = ?1)",
                    [&path],
                )?;
                (n, AdminAction::OrgDisabled)
            } else {
                let n = tx.execute(
                    "UPDATE orgs SET disabled_at = NULL WHERE id = ?1 AND disabled_at IS NOT NULL",
                    [id.0],
                )?;
                (n, AdminAction::OrgEnabled)
            };
            if changed == 0 {
                return Ok(Vec::new());
            }
            admin_log::record(tx, &actor, action, Target::Org(id), "")?;
            kiosks_below(tx, &path)
        })
        .await?;
    tell(state, &kiosks);
    Ok(())
}
