//! Content publishing: create, replace, publish, unpublish and delete items, keeping the delta
//! feed in step in the same transaction, and the clock-driven publish-at / expire-at transitions.

use crate::db::{Db, now_ms, to_ts};
use crate::error::{AppError, AppResult};
use crate::orgs::Actor;
use crate::state::AppState;
use protocol::content::ContentBody;
use protocol::staff::{ContentRecord, ContentState, ContentWrite};
use protocol::{ContentId, ContentItem, ContentKind, OrgId};
use rusqlite::{OptionalExtension, Transaction, params};

/// One row of the `content` table.
struct Stored {
    id: ContentId,
    org_id: OrgId,
    state: ContentState,
    version: u32,
    body: ContentBody,
    publish_at: Option<i64>,
    expire_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
    live: bool,
}

const COLUMNS: &str =
    "id, org_id, state, version, body, publish_at, expire_at, created_at, updated_at, live";

fn state_str(s: ContentState) -> &'static str {
    match s {
        ContentState::Draft => "draft",
        ContentState::Published => "published",
        ContentState::Unpublished => "unpublished",
    }
}

fn parse_state(s: &str) -> ContentState {
    match s {
        "published" => ContentState::Published,
        "unpublished" => ContentState::Unpublished,
        _ => ContentState::Draft,
    }
}

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Stored> {
    let state: String = r.get(2)?;
    let body: String = r.get(4)?;
    let body = serde_json::from_str(&body).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(Stored {
        id: ContentId(r.get(0)?),
        org_id: OrgId(r.get(1)?),
        state: parse_state(&state),
        version: r.get(3)?,
        body,
        publish_at: r.get(5)?,
        expire_at: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
        live: r.get(9)?,
    })
}

fn load(tx: &Transaction<'_>, id: &ContentId) -> AppResult<Option<Stored>> {
    let sql = format!("SELECT {COLUMNS} FROM content WHERE id = ?1");
    Ok(tx
        .prepare_cached(&sql)?
        .query_row([&id.0], read_row)
        .optional()?)
}

impl Stored {
    fn item(&self) -> ContentItem {
        ContentItem {
            id: self.id.clone(),
            org_id: self.org_id,
            version: self.version,
            updated_at: to_ts(self.updated_at),
            publish_at: self.publish_at.map(to_ts),
            expire_at: self.expire_at.map(to_ts),
            body: self.body.clone(),
        }
    }

    /// Whether kiosks should see it at `now`.
    fn live_at(&self, now: i64) -> bool {
        self.state == ContentState::Published
            && self.publish_at.is_none_or(|t| t <= now)
            && self.expire_at.is_none_or(|t| t > now)
    }

    /// When `live_at` will next change by the clock alone.
    fn next_transition(&self, now: i64) -> Option<i64> {
        if self.state != ContentState::Published {
            return None;
        }
        match (self.publish_at, self.expire_at) {
            (Some(p), _) if p > now => Some(p),
            (_, Some(e)) if e > now => Some(e),
            _ => None,
        }
    }

    fn record(&self) -> ContentRecord {
        ContentRecord {
            item: self.item(),
            state: self.state,
            live: self.live,
            created_at: to_ts(self.created_at),
        }
    }
}

/// What a write did to the feed: the orgs whose kiosks must be told.
#[derive(Debug, Default)]
pub struct Touched(Vec<OrgId>);

impl Touched {
    fn add(&mut self, org: OrgId) {
        if !self.0.contains(&org) {
            self.0.push(org);
        }
    }
}

/// Writes a tombstone for `(id, org)` if kiosks there currently hold the item.
fn tombstone(
    tx: &Transaction<'_>,
    id: &ContentId,
    kind: ContentKind,
    org: OrgId,
    touched: &mut Touched,
) -> AppResult<()> {
    let shown: bool = tx.prepare_cached("SELECT EXISTS(SELECT 1 FROM feed WHERE content_id = ?1 AND org_id = ?2 AND item IS NOT NULL)")?.query_row(
        params![id.0, org.0],
        |r| r.get(0),
    )?;
    if shown {
        tx.prepare_cached("INSERT OR REPLACE INTO feed (content_id, org_id, kind, item) VALUES (?1, ?2, ?3, NULL)")?
        .execute(params![id.0, org.0, kind.as_str()])?;
        touched.add(org);
    }
    Ok(())
}

/// Brings the feed and the row's `live` / `next_transition` in line with the row as stored.
/// `old_org`: where the item was published before this write, if that was elsewhere.
/// `row_current`: the caller already stored this `live` / `next_transition` (a new row).
fn sync_feed(
    tx: &Transaction<'_>,
    row: &mut Stored,
    old_org: Option<OrgId>,
    now: i64,
    touched: &mut Touched,
    row_current: bool,
) -> AppResult<()> {
    let kind = row.body.kind();
    if let Some(old) = old_org.filter(|o| *o != row.org_id) {
        tombstone(tx, &row.id, kind, old, touched)?;
    }
    row.live = row.live_at(now);
    if row.live {
        let item = serde_json::to_string(&row.item())?;
        tx.prepare_cached(
            "INSERT OR REPLACE INTO feed (content_id, org_id, kind, item) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![row.id.0, row.org_id.0, kind.as_str(), item])?;
        touched.add(row.org_id);
    } else {
        tombstone(tx, &row.id, kind, row.org_id, touched)?;
    }
    if !row_current {
        tx.prepare_cached("UPDATE content SET live = ?1, next_transition = ?2 WHERE id = ?3")?
            .execute(params![row.live, row.next_transition(now), row.id.0])?;
    }
    Ok(())
}

/// The newest feed seq, for notices.
pub fn feed_head(tx: &Transaction<'_>) -> AppResult<u64> {
    let seq: Option<i64> = tx
        .prepare_cached("SELECT seq FROM sqlite_sequence WHERE name = 'feed'")?
        .query_row([], |r| r.get(0))
        .optional()?;
    Ok(seq.unwrap_or(0).max(0) as u64)
}

fn check_write(tx: &Transaction<'_>, w: &ContentWrite) -> AppResult<()> {
    w.body.validate().map_err(|p| AppError::invalid(&p))?;
    if let (Some(p), Some(e)) = (w.publish_at, w.expire_at)
        && e <= p
    {
        return Err(AppError::bad_request(
            "invalid_schedule",
            "下线时间必须晚于发布时间",
        ));
    }
    for hash in w.body.media() {
        let known: bool = tx
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM media WHERE sha256 = ?1)")?
            .query_row([hash.as_str()], |r| r.get(0))?;
        if !known {
            return Err(AppError::bad_request(
                "unknown_media",
                format!("图片 {hash} 尚未上传"),
            ));
        }
    }
    for id in w.body.references() {
        let known: bool = tx
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM content WHERE id = ?1)")?
            .query_row([&id.0], |r| r.get(0))?;
        if !known {
            return Err(AppError::bad_request(
                "unknown_reference",
                format!("引用的内容 {id} 不存在"),
            ));
        }
    }
    Ok(())
}

fn keep_form_version(tx: &Transaction<'_>, row: &Stored, now: i64) -> AppResult<()> {
    if let ContentBody::Form(_) = &row.body
        && row.state == ContentState::Published
    {
        tx.prepare_cached("INSERT OR IGNORE INTO form_versions (form_id, version, body, published_at) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![row.id.0, row.version, serde_json::to_string(&row.body)?, now])?;
    }
    Ok(())
}

fn insert(
    tx: &Transaction<'_>,
    row: &Stored,
    key: Option<&str>,
    created_by: Option<i64>,
    next_transition: Option<i64>,
) -> AppResult<()> {
    tx.prepare_cached(
        "INSERT INTO content (id, kind, org_id, state, version, body, publish_at, expire_at,
             created_at, updated_at, created_by, live, external_key, next_transition)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        row.id.0,
        row.body.kind().as_str(),
        row.org_id.0,
        state_str(row.state),
        row.version,
        serde_json::to_string(&row.body)?,
        row.publish_at,
        row.expire_at,
        row.created_at,
        row.updated_at,
        created_by,
        row.live,
        key,
        next_transition
    ])?;
    Ok(())
}

fn update(tx: &Transaction<'_>, row: &Stored) -> AppResult<()> {
    tx.prepare_cached(
        "UPDATE content SET org_id = ?2, state = ?3, version = ?4, body = ?5, publish_at = ?6,
             expire_at = ?7, updated_at = ?8
         WHERE id = ?1",
    )?
    .execute(params![
        row.id.0,
        row.org_id.0,
        state_str(row.state),
        row.version,
        serde_json::to_string(&row.body)?,
        row.publish_at,
        row.expire_at,
        row.updated_at,
    ])?;
    Ok(())
}

/// Runs a content write and, after it commits, tells the hub (and the scheduler when the write
/// may have changed what is due next).
pub(crate) async fn commit<T, F>(state: &AppState, kick_scheduler: bool, f: F) -> AppResult<T>
where
    T: Send + 'static,
    F: FnOnce(&Transaction<'_>, i64, &mut Touched) -> AppResult<T> + Send + 'static,
{
    let (out, touched, head) = state
        .db
        .write(move |tx| {
            let mut touched = Touched::default();
            let out = f(tx, now_ms(), &mut touched)?;
            let head = feed_head(tx)?;
            Ok((out, touched, head))
        })
        .await?;
    if !touched.0.is_empty() {
        state.hub.content_changed(&touched.0, head);
    }
    if kick_scheduler {
        state.schedule_changed.notify_one();
    }
    Ok(out)
}

fn state_of(w: &ContentWrite) -> ContentState {
    if w.published {
        ContentState::Published
    } else {
        ContentState::Draft
    }
}

/// Creates an item inside a write transaction. `key` is the external key it can be found by
/// again (a news slug, an ISBN), for idempotent re-publishing.
pub(crate) fn create_in(
    tx: &Transaction<'_>,
    actor: &Actor,
    now: i64,
    touched: &mut Touched,
    w: ContentWrite,
    key: Option<&str>,
) -> AppResult<ContentRecord> {
    actor.check_org(tx, w.org_id)?;
    check_write(tx, &w)?;
    let mut row = Stored {
        id: ContentId(uuid::Uuid::now_v7().to_string()),
        org_id: w.org_id,
        state: state_of(&w),
        version: 1,
        body: w.body,
        publish_at: w.publish_at.map(|t| t.as_millisecond()),
        expire_at: w.expire_at.map(|t| t.as_millisecond()),
        created_at: now,
        updated_at: now,
        live: false,
    };
    row.live = row.live_at(now);
    insert(tx, &row, key, actor.staff_id(), row.next_transition(now))?;
    keep_form_version(tx, &row, now)?;
    sync_feed(tx, &mut row, None, now, touched, true)?;
    Ok(row.record())
}

/// Replaces an item inside a write transaction; a new version.
pub(crate) fn replace_in(
    tx: &Transaction<'_>,
    actor: &Actor,
    now: i64,
    touched: &mut Touched,
    id: ContentId,
    w: ContentWrite,
) -> AppResult<ContentRecord> {
    let old = load(tx, &id)?.ok_or_else(|| AppError::not_found(&format!("内容 {id}")))?;
    actor.check_org(tx, old.org_id)?;
    actor.check_org(tx, w.org_id)?;
    if old.body.kind() != w.body.kind() {
        return Err(AppError::conflict(
            "kind_mismatch",
            format!(
                "内容 {id} 是 {}，不能改成 {}",
                old.body.kind(),
                w.body.kind()
            ),
        ));
    }
    check_write(tx, &w)?;
    let mut row = Stored {
        id,
        org_id: w.org_id,
        state: state_of(&w),
        version: old.version + 1,
        body: w.body,
        publish_at: w.publish_at.map(|t| t.as_millisecond()),
        expire_at: w.expire_at.map(|t| t.as_millisecond()),
        created_at: old.created_at,
        updated_at: now,
        live: old.live,
    };
    update(tx, &row)?;
    keep_form_version(tx, &row, now)?;
    sync_feed(tx, &mut row, Some(old.org_id), now, touched, false)?;
    Ok(row.record())
}

/// What a keyed upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Created,
    Updated,
    /// Identical to what was stored: no new version, nothing sent to kiosks.
    Unchanged,
}

/// Creates or replaces the item of the write's kind known by `key`, looked up within `org` when
/// given (library items are keyed per catalogue) or across all orgs (news slugs).
pub(crate) fn upsert_in(
    tx: &Transaction<'_>,
    actor: &Actor,
    now: i64,
    touched: &mut Touched,
    key: &str,
    within_org: Option<OrgId>,
    w: ContentWrite,
) -> AppResult<(Upserted, ContentId)> {
    let existing: Option<String> = tx
        .prepare_cached(
            "SELECT id FROM content WHERE kind = ?1 AND external_key = ?2
                 AND (?3 IS NULL OR org_id = ?3) LIMIT 1",
        )?
        .query_row(
            params![w.body.kind().as_str(), key, within_org.map(|o| o.0)],
            |r| r.get(0),
        )
        .optional()?;
    let Some(id) = existing.map(ContentId) else {
        let record = create_in(tx, actor, now, touched, w, Some(key))?;
        return Ok((Upserted::Created, record.item.id));
    };
    let old = load(tx, &id)?.ok_or_else(|| AppError::not_found(&format!("内容 {id}")))?;
    let same = old.org_id == w.org_id
        && old.state == state_of(&w)
        && old.body == w.body
        && old.publish_at == w.publish_at.map(|t| t.as_millisecond())
        && old.expire_at == w.expire_at.map(|t| t.as_millisecond());
    if same {
        actor.check_org(tx, old.org_id)?;
        return Ok((Upserted::Unchanged, id));
    }
    replace_in(tx, actor, now, touched, id.clone(), w)?;
    Ok((Upserted::Updated, id))
}

/// Unpublishes the published items of `kind` at `org` whose external key is not in `keep`.
/// Returns how many.
pub(crate) fn unpublish_missing(
    tx: &Transaction<'_>,
    actor: &Actor,
    now: i64,
    touched: &mut Touched,
    kind: ContentKind,
    org: OrgId,
    keep: &std::collections::HashSet<String>,
) -> AppResult<usize> {
    actor.check_org(tx, org)?;
    let candidates: Vec<(String, String)> = tx
        .prepare(
            "SELECT id, external_key FROM content
             WHERE kind = ?1 AND org_id = ?2 AND state = 'published' AND external_key IS NOT NULL",
        )?
        .query_map(params![kind.as_str(), org.0], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut count = 0;
    for (id, key) in candidates {
        if !keep.contains(&key) {
            set_published_in(tx, actor, now, touched, ContentId(id), false)?;
            count += 1;
        }
    }
    Ok(count)
}

pub async fn create(state: &AppState, actor: Actor, w: ContentWrite) -> AppResult<ContentRecord> {
    commit(state, true, move |tx, now, touched| {
        create_in(tx, &actor, now, touched, w, None)
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
    commit(state, true, move |tx, now, touched| {
        replace_in(tx, &actor, now, touched, id, w)
    })
    .await
}

fn set_published_in(
    tx: &Transaction<'_>,
    actor: &Actor,
    now: i64,
    touched: &mut Touched,
    id: ContentId,
    published: bool,
) -> AppResult<ContentRecord> {
    let mut row = load(tx, &id)?.ok_or_else(|| AppError::not_found(&format!("内容 {id}")))?;
    actor.check_org(tx, row.org_id)?;
    row.state = if published {
        ContentState::Published
    } else {
        ContentState::Unpublished
    };
    row.updated_at = now;
    tx.prepare_cached("UPDATE content SET state = ?1, updated_at = ?2 WHERE id = ?3")?
        .execute(params![state_str(row.state), now, row.id.0])?;
    keep_form_version(tx, &row, now)?;
    sync_feed(tx, &mut row, None, now, touched, false)?;
    Ok(row.record())
}

/// Publishes or unpublishes an item without changing its content or version.
pub async fn set_published(
    state: &AppState,
    actor: Actor,
    id: ContentId,
    published: bool,
) -> AppResult<ContentRecord> {
    commit(state, true, move |tx, now, touched| {
        set_published_in(tx, &actor, now, touched, id, published)
    })
    .await
}

/// Deletes an item. Kiosks get a tombstone; published form versions stay on record.
pub async fn delete(state: &AppState, actor: Actor, id: ContentId) -> AppResult<()> {
    commit(state, false, move |tx, _now, touched| {
        let row = load(tx, &id)?.ok_or_else(|| AppError::not_found(&format!("内容 {id}")))?;
        actor.check_org(tx, row.org_id)?;
        tombstone(tx, &row.id, row.body.kind(), row.org_id, touched)?;
        tx.prepare_cached("DELETE FROM content WHERE id = ?1")?
            .execute([&row.id.0])?;
        Ok(())
    })
    .await
}

pub async fn get(db: &Db, actor: Actor, id: ContentId) -> AppResult<ContentRecord> {
    db.read(move |tx| {
        let row = load(tx, &id)?.ok_or_else(|| AppError::not_found(&format!("内容 {id}")))?;
        actor.check_org(tx, row.org_id)?;
        Ok(row.record())
    })
    .await
}

/// A published form version, exactly as it was published.
pub async fn form_version(
    db: &Db,
    actor: Actor,
    id: ContentId,
    version: u32,
) -> AppResult<ContentBody> {
    db.read(move |tx| {
        let org: Option<i64> = tx
            .prepare_cached("SELECT org_id FROM content WHERE id = ?1")?
            .query_row([&id.0], |r| r.get(0))
            .optional()?;
        if let Some(org) = org {
            actor.check_org(tx, OrgId(org))?;
        }
        let body: String = tx
            .prepare_cached("SELECT body FROM form_versions WHERE form_id = ?1 AND version = ?2")?
            .query_row(params![id.0, version], |r| r.get(0))
            .optional()?
            .ok_or_else(|| AppError::not_found(&format!("表单 {id} 的第 {version} 版")))?;
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
pub async fn list(db: &Db, actor: Actor, q: ListQuery) -> AppResult<Vec<ContentRecord>> {
    db.read(move |tx| {
        if let Some(org) = q.org_id {
            actor.check_org(tx, org)?;
        }
        let (cond, path) = actor.subtree_filter("org_id");
        let sql = format!(
            "SELECT {COLUMNS} FROM content
             WHERE {cond} AND (?2 IS NULL OR kind = ?2) AND (?3 IS NULL OR org_id = ?3)
             ORDER BY updated_at DESC, id LIMIT ?4 OFFSET ?5"
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
                read_row,
            )?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows.iter().map(Stored::record).collect())
    })
    .await
}

/// Applies every publish-at / expire-at that has come due. Returns when the next one is due.
pub async fn apply_due(state: &AppState) -> AppResult<Option<i64>> {
    commit(state, false, |tx, now, touched| {
        let due: Vec<String> = tx
            .prepare("SELECT id FROM content WHERE next_transition <= ?1")?
            .query_map([now], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for id in due {
            if let Some(mut row) = load(tx, &ContentId(id))? {
                sync_feed(tx, &mut row, None, now, touched, false)?;
            }
        }
        Ok(tx
            .prepare_cached(
                "SELECT min(next_transition) FROM content WHERE next_transition IS NOT NULL",
            )?
            .query_row([], |r| r.get(0))?)
    })
    .await
}
