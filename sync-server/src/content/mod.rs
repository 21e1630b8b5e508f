//! Content publishing: create, replace, publish, unpublish and delete items, keeping the delta
//! feed in step in the same transaction, and the clock-driven publish-at / expire-at transitions.
//!
//! Every write runs as a [`ContentTx`] inside [`commit`]: one transaction, one actor, one `now`,
//! and the orgs it touched, which the hub hears of only after the commit. Every new version is
//! also kept as a revision (`revisions`) in the same transaction.

pub mod branch_page;
pub mod calendar;
pub mod diff;
pub mod hours;
pub mod library;
pub mod revisions;
mod row;
#[cfg(test)]
mod tests;

use crate::db::now_ms;
use crate::error::{AppError, AppResult};
use crate::orgs::Actor;
use crate::state::AppState;
use crate::store::{OptionalExtension, Tx, params};
use protocol::content::ContentBody;
use protocol::staff::{ContentRecord, ContentState, ContentWrite};
use protocol::{ContentId, ContentKind, ErrorCode, OrgId};
use row::Stored;
use std::collections::HashSet;

/// What a write did to the feed: the orgs whose kiosks must be told.
#[derive(Debug, Default)]
struct Touched(Vec<OrgId>);

impl Touched {
    fn add(&mut self, org: OrgId) {
        if !self.0.contains(&org) {
            self.0.push(org);
        }
    }
}

/// Whether a write may move the next publish-at / expire-at, so the scheduler must look again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Schedule {
    Kept,
    MayMove,
}

/// What a keyed upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Created,
    Updated,
    /// Identical to what was stored: no new version, nothing sent to kiosks.
    Unchanged,
}

/// What an edit of an item's body and schedule did.
#[derive(Debug, Clone)]
pub enum Edited {
    /// A new version, kept as a revision and sent to kiosks when the item is live.
    Saved(Box<ContentRecord>),
    /// The same body and schedule as stored: no new version.
    Unchanged,
    /// Someone saved version `current` since the editor opened the one it started from.
    Stale { current: u32 },
}

/// A content write in progress: its transaction, who acts, the time it happens at, and the orgs
/// whose kiosks must hear of it.
pub(crate) struct ContentTx<'a> {
    tx: &'a Tx<'a>,
    actor: &'a Actor,
    now: i64,
    touched: Touched,
}

/// Runs a content write and, after it commits, tells the hub (and the scheduler when the write
/// may have moved what is due next).
pub(crate) async fn commit<T, F>(
    state: &AppState,
    actor: Actor,
    schedule: Schedule,
    f: F,
) -> AppResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut ContentTx<'_>) -> AppResult<T> + Send + 'static,
{
    let (out, touched, head) = state
        .db
        .write(move |tx| {
            let mut cx = ContentTx::at(tx, &actor, now_ms());
            let out = f(&mut cx)?;
            let head = feed_head(tx)?;
            Ok((out, cx.touched, head))
        })
        .await?;
    if !touched.0.is_empty() {
        state.hub.content_changed(&touched.0, head);
    }
    if schedule == Schedule::MayMove {
        state.schedule_changed.notify_one();
    }
    Ok(out)
}

/// The newest feed seq, for notices.
pub fn feed_head(tx: &Tx<'_>) -> AppResult<u64> {
    let seq: Option<i64> = tx
        .prepare_cached(if tx.is_postgres() {
            // Rows are updated in place there, never deleted, so the highest is the last taken
            // (an empty feed has none: 0, as SQLite's missing sequence row gives).
            "SELECT coalesce(max(seq), 0) FROM feed"
        } else {
            "SELECT seq FROM sqlite_sequence WHERE name = 'feed'"
        })?
        .query_row([], |r| r.get(0))
        .optional()?;
    Ok(seq.unwrap_or(0).max(0) as u64)
}

/// An item the actor may act on. One outside the actor's subtree reads as unknown (404, not
/// 403), so the answer does not tell whether another org has it.
fn load_own(tx: &Tx<'_>, actor: &Actor, id: &ContentId) -> AppResult<Stored> {
    let row = row::load(tx, id)?;
    match actor.check_org(tx, row.org_id) {
        Err(e) if e.code == ErrorCode::OutsideYourOrg => {
            Err(AppError::not_found(&format!("内容 {id}")))
        }
        checked => checked.map(|()| row),
    }
}

/// The item of `kind` that `org` holds, for the kinds an org has at most one of (its opening
/// hours, its 职工之家 page).
pub(crate) fn one_at(tx: &Tx<'_>, kind: ContentKind, org: OrgId) -> AppResult<Option<ContentId>> {
    Ok(tx
        .prepare_cached("SELECT id FROM content WHERE kind = ?1 AND org_id = ?2")?
        .query_row(params![kind.as_str(), org.0], |r| r.get(0))
        .optional()?
        .map(ContentId))
}

/// Refuses a second item of a kind an org has at most one of (`except`: the item being
/// rewritten); any other kind passes.
fn one_per_org(
    tx: &Tx<'_>,
    kind: ContentKind,
    org: OrgId,
    except: Option<&ContentId>,
) -> AppResult<()> {
    let what = match kind {
        ContentKind::OpeningHours => "开放时间",
        ContentKind::BranchPage => "职工之家页面",
        _ => return Ok(()),
    };
    match one_at(tx, kind, org)? {
        Some(id) if Some(&id) != except => Err(AppError::conflict(
            ErrorCode::InvalidContent,
            format!("单位 {org} 已经有{what}（{id}），请修改那一份"),
        )),
        _ => Ok(()),
    }
}

impl<'a> ContentTx<'a> {
    fn at(tx: &'a Tx<'a>, actor: &'a Actor, now: i64) -> Self {
        ContentTx {
            tx,
            actor,
            now,
            touched: Touched::default(),
        }
    }

    /// Writes a tombstone for `(id, org)` if kiosks there currently hold the item.
    fn tombstone(&mut self, id: &ContentId, kind: ContentKind, org: OrgId) -> AppResult<()> {
        let shown: bool = self
            .tx
            .prepare_cached(
                "SELECT EXISTS(SELECT 1 FROM feed
                     WHERE content_id = ?1 AND org_id = ?2 AND item IS NOT NULL)",
            )?
            .query_row(params![id.0, org.0], |r| r.get(0))?;
        if shown {
            crate::feed::put(self.tx, id, org, kind, None)?;
            self.touched.add(org);
        }
        Ok(())
    }

    /// Brings the feed in line with the row as stored, and sets the row's `live`.
    /// `old_org`: where the item was published before this write, if that was elsewhere.
    fn sync_feed(&mut self, row: &mut Stored, old_org: Option<OrgId>) -> AppResult<()> {
        let kind = row.body.kind();
        if let Some(old) = old_org.filter(|o| *o != row.org_id) {
            self.tombstone(&row.id, kind, old)?;
        }
        row.live = row.live_at(self.now);
        if row.live {
            let item = serde_json::to_string(&row.item())?;
            crate::feed::put(self.tx, &row.id, row.org_id, kind, Some(&item))?;
            self.touched.add(row.org_id);
        } else {
            self.tombstone(&row.id, kind, row.org_id)?;
        }
        if let ContentBody::Offering(o) = &row.body {
            let orgs =
                crate::places::edits::written(self.tx, &row.id, row.org_id, row.live, o, self.now)?;
            orgs.into_iter().for_each(|org| self.touched.add(org));
        }
        if let ContentBody::Poll(p) = &row.body {
            let orgs = crate::polls::written(self.tx, &row.id, row.org_id, row.live, p, self.now)?;
            orgs.into_iter().for_each(|org| self.touched.add(org));
        }
        if row.body.kind() == ContentKind::Quiz {
            let orgs = crate::quiz::written(self.tx, &row.id, row.org_id, row.live, self.now)?;
            orgs.into_iter().for_each(|org| self.touched.add(org));
        }
        Ok(())
    }

    /// [`Self::sync_feed`] for a row already stored, then stores its new `live` and
    /// `next_transition`.
    fn sync_stored(&mut self, row: &mut Stored, old_org: Option<OrgId>) -> AppResult<()> {
        self.sync_feed(row, old_org)?;
        row::store_liveness(self.tx, row, self.now)
    }

    /// Creates an item. `key` is the external key it can be found by again (a news slug, an
    /// ISBN), for idempotent re-publishing.
    pub fn create(&mut self, w: ContentWrite, key: Option<&str>) -> AppResult<ContentRecord> {
        self.actor.check_org(self.tx, w.org_id)?;
        row::check_write(self.tx, &w)?;
        one_per_org(self.tx, w.body.kind(), w.org_id, None)?;
        let (publish_at, expire_at) = row::schedule_of(&w);
        let mut row = Stored {
            id: ContentId(uuid::Uuid::now_v7().to_string()),
            org_id: w.org_id,
            state: row::state_of(&w),
            version: 1,
            body: w.body,
            publish_at,
            expire_at,
            created_at: self.now,
            updated_at: self.now,
            live: false,
        };
        row.live = row.live_at(self.now);
        let next = row.next_transition(self.now);
        row::insert(self.tx, &row, key, self.actor.staff_id(), next)?;
        revisions::record(self.tx, self.actor, &row, None, None, self.now)?;
        row::keep_form_version(self.tx, &row, self.now)?;
        self.sync_feed(&mut row, None)?;
        Ok(row.record())
    }

    /// Replaces an item: a new version.
    pub fn replace(&mut self, id: ContentId, w: ContentWrite) -> AppResult<ContentRecord> {
        self.replace_as(id, w, None)
    }

    /// [`Self::replace`], saying which revision the new version restores, if any.
    fn replace_as(
        &mut self,
        id: ContentId,
        w: ContentWrite,
        restored_from: Option<u32>,
    ) -> AppResult<ContentRecord> {
        let old = load_own(self.tx, self.actor, &id)?;
        self.actor.check_org(self.tx, w.org_id)?;
        if old.body.kind() != w.body.kind() {
            return Err(AppError::conflict(
                ErrorCode::KindMismatch,
                format!(
                    "内容 {id} 是 {}，不能改成 {}",
                    old.body.kind(),
                    w.body.kind()
                ),
            ));
        }
        row::check_write(self.tx, &w)?;
        one_per_org(self.tx, w.body.kind(), w.org_id, Some(&id))?;
        if let ContentBody::Offering(o) = &w.body {
            crate::places::edits::check_edit(self.tx, &id, o)?;
        }
        if let ContentBody::Poll(p) = &w.body {
            crate::polls::check_edit(self.tx, &id, p)?;
        }
        let (publish_at, expire_at) = row::schedule_of(&w);
        let mut row = Stored {
            id,
            org_id: w.org_id,
            state: row::state_of(&w),
            version: old.version + 1,
            body: w.body,
            publish_at,
            expire_at,
            created_at: old.created_at,
            updated_at: self.now,
            live: old.live,
        };
        row::update(self.tx, &row)?;
        revisions::record(
            self.tx,
            self.actor,
            &row,
            Some(&old.body),
            restored_from,
            self.now,
        )?;
        row::keep_form_version(self.tx, &row, self.now)?;
        self.sync_stored(&mut row, Some(old.org_id))?;
        Ok(row.record())
    }

    /// Saves `body` and the schedule as a new version of an item that keeps its org and state
    /// (published stays published, unpublished stays unpublished). `restored_from`: the revision
    /// whose body this is.
    fn rewrite_keeping(
        &mut self,
        now: Stored,
        body: ContentBody,
        schedule: (Option<i64>, Option<i64>),
        restored_from: Option<u32>,
    ) -> AppResult<ContentRecord> {
        let w = ContentWrite {
            org_id: now.org_id,
            published: now.state == ContentState::Published,
            publish_at: schedule.0.map(crate::db::to_ts),
            expire_at: schedule.1.map(crate::db::to_ts),
            body,
        };
        let record = self.replace_as(now.id, w, restored_from)?;
        if now.state == ContentState::Unpublished {
            return self.set_state(record.item.id, ContentState::Unpublished);
        }
        Ok(record)
    }

    /// An editor's save of an item's body and schedule, made from version `base`.
    fn edit(
        &mut self,
        id: ContentId,
        base: u32,
        body: ContentBody,
        schedule: (Option<i64>, Option<i64>),
    ) -> AppResult<Edited> {
        let now = load_own(self.tx, self.actor, &id)?;
        if now.version != base {
            return Ok(Edited::Stale {
                current: now.version,
            });
        }
        if now.body == body && (now.publish_at, now.expire_at) == schedule {
            return Ok(Edited::Unchanged);
        }
        self.rewrite_keeping(now, body, schedule, None)
            .map(|r| Edited::Saved(Box::new(r)))
    }

    /// Creates or replaces the item of the write's kind known by `key`, looked up within `org`
    /// when given (library items are keyed per catalogue) or across all orgs (news slugs).
    pub fn upsert(
        &mut self,
        key: &str,
        within_org: Option<OrgId>,
        w: ContentWrite,
    ) -> AppResult<(Upserted, ContentId)> {
        let existing: Option<String> = self
            .tx
            .prepare_cached(
                "SELECT id FROM content WHERE kind = ?1 AND external_key = ?2
                     AND (CAST(?3 AS bigint) IS NULL OR org_id = ?3) LIMIT 1",
            )?
            .query_row(
                params![w.body.kind().as_str(), key, within_org.map(|o| o.0)],
                |r| r.get(0),
            )
            .optional()?;
        let Some(id) = existing.map(ContentId) else {
            let record = self.create(w, Some(key))?;
            return Ok((Upserted::Created, record.item.id));
        };
        let old = row::load(self.tx, &id)?;
        // The caller named this key, so an item of another org under it is a 403, as before.
        self.actor.check_org(self.tx, old.org_id)?;
        if old.same_as(&w) {
            return Ok((Upserted::Unchanged, id));
        }
        self.replace(id.clone(), w)?;
        Ok((Upserted::Updated, id))
    }

    /// Unpublishes the published items of `kind` at `org` whose external key is not in `keep`.
    /// Returns how many.
    pub fn unpublish_missing(
        &mut self,
        kind: ContentKind,
        org: OrgId,
        keep: &HashSet<String>,
    ) -> AppResult<usize> {
        self.actor.check_org(self.tx, org)?;
        let candidates: Vec<(String, String)> = self
            .tx
            .prepare(
                "SELECT id, external_key FROM content
                 WHERE kind = ?1 AND org_id = ?2 AND state = 'published'
                   AND external_key IS NOT NULL",
            )?
            .query_map(params![kind.as_str(), org.0], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<Result<_, _>>()?;
        let mut count = 0;
        for (id, key) in candidates {
            if !keep.contains(&key) {
                self.set_state(ContentId(id), ContentState::Unpublished)?;
                count += 1;
            }
        }
        Ok(count)
    }

    /// Publishes or unpublishes an item without changing its content or version.
    fn set_state(&mut self, id: ContentId, state: ContentState) -> AppResult<ContentRecord> {
        let mut row = load_own(self.tx, self.actor, &id)?;
        row.state = state;
        row.updated_at = self.now;
        self.tx
            .prepare_cached("UPDATE content SET state = ?1, updated_at = ?2 WHERE id = ?3")?
            .execute(params![row::state_str(row.state), self.now, row.id.0])?;
        row::keep_form_version(self.tx, &row, self.now)?;
        self.sync_stored(&mut row, None)?;
        Ok(row.record())
    }

    /// Deletes an item. Kiosks get a tombstone; published form versions stay on record.
    fn delete(&mut self, id: ContentId) -> AppResult<()> {
        let row = load_own(self.tx, self.actor, &id)?;
        self.tombstone(&row.id, row.body.kind(), row.org_id)?;
        if row.body.kind() == ContentKind::Offering {
            let orgs = crate::places::edits::deleted(self.tx, &row.id)?;
            orgs.into_iter().for_each(|org| self.touched.add(org));
        }
        if row.body.kind() == ContentKind::Poll {
            let orgs = crate::polls::results::deleted(self.tx, &row.id)?;
            orgs.into_iter().for_each(|org| self.touched.add(org));
        }
        if row.body.kind() == ContentKind::Quiz {
            let orgs = crate::quiz::deleted(self.tx, &row.id)?;
            orgs.into_iter().for_each(|org| self.touched.add(org));
        }
        self.tx
            .prepare_cached("DELETE FROM content WHERE id = ?1")?
            .execute([&row.id.0])?;
        Ok(())
    }

    /// Applies every publish-at / expire-at due by now. Returns when the next one is due.
    fn apply_due(&mut self) -> AppResult<Option<i64>> {
        let due: Vec<String> = self
            .tx
            .prepare("SELECT id FROM content WHERE next_transition <= ?1")?
            .query_map([self.now], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for id in due {
            if let Some(mut row) = row::find(self.tx, &ContentId(id))? {
                self.sync_stored(&mut row, None)?;
            }
        }
        Ok(self
            .tx
            .prepare_cached(
                "SELECT min(next_transition) FROM content WHERE next_transition IS NOT NULL",
            )?
            .query_row([], |r| r.get(0))?)
    }
}

pub async fn create(state: &AppState, actor: Actor, w: ContentWrite) -> AppResult<ContentRecord> {
    commit(state, actor, Schedule::MayMove, move |cx| {
        cx.create(w, None)
    })
    .await
}

/// Replaces an item's body, org, schedule and state. Every replace makes a new version.
pub async fn replace(
    state: &AppState,
    actor: Actor,
    id: ContentId,
    w: ContentWrite,
) -> AppResult<ContentRecord> {
    commit(state, actor, Schedule::MayMove, move |cx| cx.replace(id, w)).await
}

/// An editor's save of an item's body and schedule, made from version `base`: a new version
/// (kept as a revision) unless nothing changed or someone saved another since.
pub async fn edit(
    state: &AppState,
    actor: Actor,
    id: ContentId,
    base: u32,
    body: ContentBody,
    publish_at: Option<jiff::Timestamp>,
    expire_at: Option<jiff::Timestamp>,
) -> AppResult<Edited> {
    let schedule = (
        publish_at.map(crate::db::to_ms),
        expire_at.map(crate::db::to_ms),
    );
    commit(state, actor, Schedule::MayMove, move |cx| {
        cx.edit(id, base, body, schedule)
    })
    .await
}

/// Publishes an item without changing its content or version.
pub async fn publish(state: &AppState, actor: Actor, id: ContentId) -> AppResult<ContentRecord> {
    commit(state, actor, Schedule::MayMove, move |cx| {
        cx.set_state(id, ContentState::Published)
    })
    .await
}

/// Unpublishes an item without changing its content or version.
pub async fn unpublish(state: &AppState, actor: Actor, id: ContentId) -> AppResult<ContentRecord> {
    commit(state, actor, Schedule::MayMove, move |cx| {
        cx.set_state(id, ContentState::Unpublished)
    })
    .await
}

/// Deletes an item. Kiosks get a tombstone; published form versions stay on record.
pub async fn delete(state: &AppState, actor: Actor, id: ContentId) -> AppResult<()> {
    commit(state, actor, Schedule::Kept, move |cx| cx.delete(id)).await
}

/// Applies every publish-at / expire-at that has come due. Returns when the next one is due.
pub async fn apply_due(state: &AppState) -> AppResult<Option<i64>> {
    commit(state, Actor::Operator, Schedule::Kept, |cx| cx.apply_due()).await
}

pub async fn get(state: &AppState, actor: Actor, id: ContentId) -> AppResult<ContentRecord> {
    state
        .db
        .read(move |tx| Ok(load_own(tx, &actor, &id)?.record()))
        .await
}

/// A published form version, exactly as it was published.
pub async fn form_version(
    state: &AppState,
    actor: Actor,
    id: ContentId,
    version: u32,
) -> AppResult<ContentBody> {
    state
        .db
        .read(move |tx| {
            let unknown = || AppError::not_found(&format!("表单 {id} 的第 {version} 版"));
            let org: Option<i64> = tx
                .prepare_cached("SELECT org_id FROM content WHERE id = ?1")?
                .query_row([&id.0], |r| r.get(0))
                .optional()?;
            // Out of the caller's subtree reads as unknown, so the answer does not tell whether
            // another org has the form.
            let visible = match org {
                Some(org) => match actor.check_org(tx, OrgId(org)) {
                    Ok(()) => true,
                    Err(e) if e.code == ErrorCode::OutsideYourOrg => false,
                    Err(e) => return Err(e),
                },
                // A deleted form: its feed rows outlive it and say where it was published.
                None => {
                    let (cond, path) = actor.subtree_filter("org_id");
                    tx.query_row(
                        &format!(
                            "SELECT EXISTS(SELECT 1 FROM feed WHERE content_id = ?2 AND {cond})"
                        ),
                        params![path, id.0],
                        |r| r.get(0),
                    )?
                }
            };
            if !visible {
                return Err(unknown());
            }
            let body: String = tx
                .prepare_cached(
                    "SELECT body FROM form_versions WHERE form_id = ?1 AND version = ?2",
                )?
                .query_row(params![id.0, version], |r| r.get(0))
                .optional()?
                .ok_or_else(unknown)?;
            Ok(serde_json::from_str(&body)?)
        })
        .await
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ListQuery {
    pub kind: Option<ContentKind>,
    pub org_id: Option<OrgId>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// Items in the actor's subtree, newest first.
pub async fn list(state: &AppState, actor: Actor, q: ListQuery) -> AppResult<Vec<ContentRecord>> {
    state
        .db
        .read(move |tx| {
            if let Some(org) = q.org_id {
                actor.check_org(tx, org)?;
            }
            let (cond, path) = actor.subtree_filter("org_id");
            let sql = format!(
                "SELECT {} FROM content
                 WHERE {cond} AND (CAST(?2 AS text) IS NULL OR kind = ?2)
                   AND (CAST(?3 AS bigint) IS NULL OR org_id = ?3)
                 ORDER BY updated_at DESC, id LIMIT ?4 OFFSET ?5",
                row::COLUMNS
            );
            let limit = q.limit.unwrap_or(100).min(1000);
            let mut stmt = tx.prepare(&sql)?;
            let rows = stmt
                .query_map(
                    params![
                        path,
                        q.kind.map(|k| k.as_str()),
                        q.org_id.map(|o| o.0),
                        limit,
                        q.offset.unwrap_or(0)
                    ],
                    row::read_row,
                )?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows.iter().map(Stored::record).collect())
        })
        .await
}
