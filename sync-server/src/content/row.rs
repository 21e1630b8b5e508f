//! One row of the `content` table: reading, inserting and updating it, and what its state and
//! schedule mean for kiosks.

use crate::db::{to_ms, to_ts};
use crate::error::{AppError, AppResult};
use crate::store::{OptionalExtension, Tx, params};
use protocol::content::ContentBody;
use protocol::staff::{ContentRecord, ContentState, ContentWrite};
use protocol::{ContentId, ContentItem, ErrorCode, OrgId};

pub(super) struct Stored {
    pub id: ContentId,
    pub org_id: OrgId,
    pub state: ContentState,
    pub version: u32,
    pub body: ContentBody,
    pub publish_at: Option<i64>,
    pub expire_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub live: bool,
}

pub(super) const COLUMNS: &str =
    "id, org_id, state, version, body, publish_at, expire_at, created_at, updated_at, live";

pub(super) fn state_str(s: ContentState) -> &'static str {
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

/// The state a write asks for.
pub(super) fn state_of(w: &ContentWrite) -> ContentState {
    if w.published {
        ContentState::Published
    } else {
        ContentState::Draft
    }
}

/// A write's schedule as stored.
pub(super) fn schedule_of(w: &ContentWrite) -> (Option<i64>, Option<i64>) {
    (w.publish_at.map(to_ms), w.expire_at.map(to_ms))
}

pub(super) fn read_row(r: &crate::store::Row<'_>) -> crate::store::Result<Stored> {
    let state: String = r.get(2)?;
    let body: String = r.get(4)?;
    let body = serde_json::from_str(&body).map_err(|e| crate::store::Error::conversion(4, e))?;
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

pub(super) fn find(tx: &Tx<'_>, id: &ContentId) -> AppResult<Option<Stored>> {
    let sql = format!("SELECT {COLUMNS} FROM content WHERE id = ?1");
    Ok(tx
        .prepare_cached(&sql)?
        .query_row([&id.0], read_row)
        .optional()?)
}

/// The row, or "not found".
pub(super) fn load(tx: &Tx<'_>, id: &ContentId) -> AppResult<Stored> {
    find(tx, id)?.ok_or_else(|| AppError::not_found(&format!("内容 {id}")))
}

impl Stored {
    pub fn item(&self) -> ContentItem {
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
    pub fn live_at(&self, now: i64) -> bool {
        self.state == ContentState::Published
            && self.publish_at.is_none_or(|t| t <= now)
            && self.expire_at.is_none_or(|t| t > now)
    }

    /// When `live_at` will next change by the clock alone.
    pub fn next_transition(&self, now: i64) -> Option<i64> {
        if self.state != ContentState::Published {
            return None;
        }
        match (self.publish_at, self.expire_at) {
            (Some(p), _) if p > now => Some(p),
            (_, Some(e)) if e > now => Some(e),
            _ => None,
        }
    }

    pub fn record(&self) -> ContentRecord {
        ContentRecord {
            item: self.item(),
            state: self.state,
            live: self.live,
            created_at: to_ts(self.created_at),
        }
    }

    /// Whether `w` would store exactly this again.
    pub fn same_as(&self, w: &ContentWrite) -> bool {
        self.org_id == w.org_id
            && self.state == state_of(w)
            && self.body == w.body
            && (self.publish_at, self.expire_at) == schedule_of(w)
    }
}

/// What every write must satisfy: a valid body, a possible schedule, and media and references
/// that exist.
pub(super) fn check_write(tx: &Tx<'_>, w: &ContentWrite) -> AppResult<()> {
    w.body.validate().map_err(|p| AppError::invalid(&p))?;
    if let (Some(p), Some(e)) = (w.publish_at, w.expire_at)
        && e <= p
    {
        return Err(AppError::bad_request(
            ErrorCode::InvalidSchedule,
            "下线时间必须晚于发布时间",
        ));
    }
    for hash in w.body.media() {
        let known: bool = tx
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM media WHERE sha256 = ?1)")?
            .query_row([hash.as_str()], |r| r.get(0))?;
        if !known {
            return Err(AppError::bad_request(
                ErrorCode::UnknownMedia,
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
                ErrorCode::UnknownReference,
                format!("引用的内容 {id} 不存在"),
            ));
        }
    }
    Ok(())
}

/// A published form's body is kept per version for ever: submissions are read against it.
pub(super) fn keep_form_version(tx: &Tx<'_>, row: &Stored, now: i64) -> AppResult<()> {
    // An offering's versions are kept too: a booking request names the version it was made on.
    // A poll's too: a vote is checked against the version it was cast on.
    // A call for proposals' too: a proposal names the call's version.
    if let ContentBody::Form(_)
    | ContentBody::Offering(_)
    | ContentBody::Poll(_)
    | ContentBody::ProposalCall(_)
    // A quiz's too: a round is scored against the version it was drawn from.
    | ContentBody::Quiz(_) = &row.body
        && row.state == ContentState::Published
    {
        tx.prepare_cached(
            "INSERT INTO form_versions (form_id, version, body, published_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (form_id, version) DO NOTHING",
        )?
        .execute(params![row.id.0, row.version, serde_json::to_string(&row.body)?, now])?;
    }
    Ok(())
}

/// Inserts a new row with its `live` and `next_transition` already decided.
pub(super) fn insert(
    tx: &Tx<'_>,
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

/// Rewrites everything staff can change; `live` and `next_transition` are stored separately.
pub(super) fn update(tx: &Tx<'_>, row: &Stored) -> AppResult<()> {
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

/// Stores whether kiosks see the row and when the clock next changes that.
pub(super) fn store_liveness(tx: &Tx<'_>, row: &Stored, now: i64) -> AppResult<()> {
    tx.prepare_cached("UPDATE content SET live = ?1, next_transition = ?2 WHERE id = ?3")?
        .execute(params![row.live, row.next_transition(now), row.id.0])?;
    Ok(())
}
