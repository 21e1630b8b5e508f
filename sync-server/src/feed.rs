//! The delta feed a kiosk pulls: every change in its scope (its org and every ancestor, never a
//! sibling) after its cursor, in seq order, a page at a time.
//!
//! Stored items are already JSON; they are spliced into the response as raw JSON rather than
//! parsed and printed again, which keeps a 60,000-item initial sync cheap.
//!
//! A publish makes every kiosk in its scope pull the same page at once: thousands of requests for
//! one (scope, cursor). [`PageCache`] computes such a page once (one query, one serialisation,
//! one compression per encoding) and hands the same bytes to every request for it. A cached page
//! is bounded by a feed position the hub has announced ([`crate::hub::Hub::announced`]), not by
//! whatever the database holds at that moment: every seq up to an announced one is committed
//! (the hub hears of a write only after its commit, also another instance's through `relay`,
//! and seqs commit in order), so a page that holds everything in scope up to that seq, with
//! that seq as its cursor, misses nothing. It is made again once the hub hears of a change in
//! one of its scope's orgs after it ([`crate::hub::Hub::changed_after`]); the hub records the
//! change before it announces it or wakes a stream, so a pull that a notice caused never gets a
//! page from before that notice. A change whose note never came is read back from the feed
//! within a second (`app`'s watcher), so a page stays stale for that long at most, and the
//! kiosks it held back are woken then.

use crate::content::feed_head;
use crate::error::{AppError, AppResult};
use crate::hub::Hub;
use crate::kiosks::Kiosk;
use crate::orgs::ids_in_path;
use crate::state::AppState;
use crate::store::{Tx, params};
use bytes::Bytes;
use protocol::{ContentId, ContentKind, Cursor, OrgId};
use serde::Serialize;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

#[derive(Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum WireChange {
    Upsert { seq: u64, item: Box<RawValue> },
    Delete { seq: u64, id: String, kind: String },
}

/// Serialises exactly as `protocol::ChangesResponse`.
#[derive(Serialize)]
pub struct WireChanges {
    changes: Vec<WireChange>,
    cursor: Cursor,
    has_more: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    reset: bool,
}

/// How a page's body is sent: as the client accepts it (`Accept-Encoding`), as the router's
/// compression layer would choose (zstd over gzip at equal weight).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
    Zstd,
}

impl Encoding {
    /// The best encoding `accept` (an `Accept-Encoding` value) allows.
    pub fn accepted(accept: Option<&str>) -> Encoding {
        let mut best = (0u16, Encoding::Identity);
        for part in accept.unwrap_or_default().split(',') {
            let mut fields = part.split(';');
            let name = fields.next().unwrap_or_default().trim();
            let encoding = if name.eq_ignore_ascii_case("zstd") {
                Encoding::Zstd
            } else if name.eq_ignore_ascii_case("gzip") {
                Encoding::Gzip
            } else {
                continue;
            };
            let weight = fields
                .find_map(|f| f.trim().strip_prefix("q="))
                .map_or(Some(1000), |q| {
                    q.trim()
                        .parse::<f32>()
                        .ok()
                        .map(|q| (q.clamp(0.0, 1.0) * 1000.0) as u16)
                });
            let Some(weight) = weight.filter(|w| *w > 0) else {
                continue;
            };
            if (weight, encoding == Encoding::Zstd) > (best.0, best.1 == Encoding::Zstd) {
                best = (weight, encoding);
            }
        }
        best.1
    }

    /// The `Content-Encoding` value, `None` for identity.
    pub fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Zstd => Some("zstd"),
        }
    }

    fn encode(self, json: &Bytes) -> AppResult<Bytes> {
        match self {
            Encoding::Identity => Ok(json.clone()),
            Encoding::Zstd => zstd::bulk::compress(json, zstd::DEFAULT_COMPRESSION_LEVEL)
                .map(Bytes::from)
                .map_err(|e| AppError::internal("compressing a page", e)),
            Encoding::Gzip => {
                use std::io::Write;
                let mut gz = flate2::write::GzEncoder::new(
                    Vec::with_capacity(json.len() / 2),
                    flate2::Compression::default(),
                );
                gz.write_all(json)
                    .and_then(|()| gz.finish())
                    .map(Bytes::from)
                    .map_err(|e| AppError::internal("compressing a page", e))
            }
        }
    }
}

/// One page as sent: its JSON body, serialised once, and its compressed forms, each made the
/// first time a client asks for it.
pub struct Page {
    json: Bytes,
    gzip: OnceLock<Bytes>,
    zstd: OnceLock<Bytes>,
}

impl Page {
    fn new(changes: &WireChanges) -> AppResult<Page> {
        Ok(Page {
            json: Bytes::from(serde_json::to_vec(changes)?),
            gzip: OnceLock::new(),
            zstd: OnceLock::new(),
        })
    }

    fn slot(&self, encoding: Encoding) -> Option<&OnceLock<Bytes>> {
        match encoding {
            Encoding::Identity => None,
            Encoding::Gzip => Some(&self.gzip),
            Encoding::Zstd => Some(&self.zstd),
        }
    }

    /// The body in `encoding` if it is made already (identity always is).
    fn ready(&self, encoding: Encoding) -> Option<Bytes> {
        match self.slot(encoding) {
            None => Some(self.json.clone()),
            Some(slot) => slot.get().cloned(),
        }
    }

    /// The body in `encoding`, compressing it now if nobody did yet (CPU work: call it on the
    /// blocking pool). Two callers racing compress twice and keep one.
    fn encoded(&self, encoding: Encoding) -> AppResult<Bytes> {
        match self.slot(encoding) {
            None => Ok(self.json.clone()),
            Some(slot) => match slot.get() {
                Some(body) => Ok(body.clone()),
                None => {
                    let body = encoding.encode(&self.json)?;
                    Ok(slot.get_or_init(|| body).clone())
                }
            },
        }
    }

    /// Bytes held, for the cache's budget.
    fn size(&self) -> usize {
        self.json.len()
            + [&self.gzip, &self.zstd]
                .iter()
                .filter_map(|s| s.get().map(Bytes::len))
                .sum::<usize>()
    }
}

/// What a page depends on: kiosks with the same key get the same bytes. The scope is the
/// kiosk's org path (its org and ancestors); the epoch goes into the cursor; `reset` is a cursor
/// from another epoch answered from zero.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct PageKey {
    scope: String,
    start: u64,
    limit: u32,
    epoch: u32,
    reset: bool,
}

/// At most this many pages are kept, and at most [`CACHE_BYTES`] of them; past either the cache
/// starts empty again (pages in use stay alive with their requests).
const CACHE_PAGES: usize = 4096;
const CACHE_BYTES: usize = 64 * 1024 * 1024;
/// A page is made again after this long even if the hub heard of no change in its scope: a
/// safety net, should a write ever reach the feed without telling the hub which orgs it touched.
const CACHE_AGE: Duration = Duration::from_secs(30);

/// Pages shared by every request for the same [`PageKey`]. A page is bounded by the head
/// announced when its cell was made and stays good until the hub hears of a change in one of
/// its scope's orgs after that head (a publish elsewhere leaves it alone). A page being computed
/// is a cell the other requests for it wait on, so a herd runs its query once.
#[derive(Default)]
pub struct PageCache {
    inner: Mutex<Pages>,
    /// Pages made for the cache so far (each one query and serialisation).
    made: std::sync::atomic::AtomicU64,
}

#[derive(Default)]
struct Pages {
    bytes: usize,
    map: HashMap<PageKey, Arc<Cell>>,
}

/// One page: the head it is bounded by, when the cell was made, and the page once computed.
struct Cell {
    head: u64,
    made: Instant,
    page: tokio::sync::OnceCell<Arc<Page>>,
}

impl PageCache {
    /// The cell for `key`: the one kept, while nothing in `scope` changed after its head, else a
    /// new one bounded by `head`.
    fn cell(&self, hub: &Hub, scope: &[OrgId], head: u64, key: PageKey) -> Arc<Cell> {
        let mut pages = self
            .inner
            .lock()
            .expect("the page cache lock is never held across a panic");
        if let Some(cell) = pages.map.get(&key)
            && cell.made.elapsed() < CACHE_AGE
            && !hub.changed_after(scope, cell.head)
        {
            return cell.clone();
        }
        if pages.map.len() >= CACHE_PAGES || pages.bytes >= CACHE_BYTES {
            *pages = Pages::default();
        }
        let cell = Arc::new(Cell {
            head,
            made: Instant::now(),
            page: tokio::sync::OnceCell::new(),
        });
        pages.map.insert(key, cell.clone());
        cell
    }

    fn added(&self, bytes: usize) {
        self.made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.inner
            .lock()
            .expect("the page cache lock is never held across a panic")
            .bytes += bytes;
    }

    /// Forgets every page: the hub may have missed changes (`relay`, after its connection to
    /// the other instances dropped), so no kept page can be trusted to be the latest.
    pub fn clear(&self) {
        *self
            .inner
            .lock()
            .expect("the page cache lock is never held across a panic") = Pages::default();
    }

    /// How many pages were made for the cache since the server started: the kiosks that got one
    /// without a query of their own are the difference from the pulls.
    pub fn made(&self) -> u64 {
        self.made.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// The page of changes after `since` for `kiosk`, as a body in `encoding`.
pub async fn changes(
    state: &AppState,
    kiosk: Kiosk,
    since: Option<Cursor>,
    limit: u32,
    encoding: Encoding,
) -> AppResult<Bytes> {
    let head = state.hub.announced();
    // Before the first announcement (the server just started) and for a cursor beyond it (a
    // write not announced yet, or a restored database), the database's own head decides, as
    // it always did; such pages are not shared.
    if head == 0 || since.is_some_and(|c| c.seq > head) {
        return state
            .db
            .read_kiosk(move |tx| {
                let head = feed_head(tx)?;
                let (start, reset) = start_of(since, kiosk.epoch, head);
                let page = read_page(tx, &kiosk.org_path, start, head, limit, kiosk.epoch, reset)?;
                Page::new(&page)?.encoded(encoding)
            })
            .await;
    }
    let (start, reset) = start_of(since, kiosk.epoch, head);
    let scope = ids_in_path(&kiosk.org_path);
    let key = PageKey {
        scope: kiosk.org_path,
        start,
        limit,
        epoch: kiosk.epoch,
        reset,
    };
    let cell = state.pages.cell(&state.hub, &scope, head, key.clone());
    let mut made = None;
    let page = cell
        .page
        .get_or_try_init(|| async {
            let head = cell.head;
            let page = state
                .db
                .read_kiosk(move |tx| {
                    let changes = read_page(
                        tx, &key.scope, key.start, head, key.limit, key.epoch, key.reset,
                    )?;
                    let page = Page::new(&changes)?;
                    // The first asker's encoding is made here, off the async workers.
                    page.encoded(encoding)?;
                    Ok(Arc::new(page))
                })
                .await?;
            made = Some(page.size());
            Ok::<_, AppError>(page)
        })
        .await?
        .clone();
    if let Some(bytes) = made {
        state.pages.added(bytes);
    }
    match page.ready(encoding) {
        Some(body) => Ok(body),
        None => {
            let body = crate::obs::spawn_blocking(move || page.encoded(encoding))
                .await
                .map_err(|e| AppError::internal("compressing a page", e))??;
            Ok(body)
        }
    }
}

/// Where a page starts for a cursor, and whether that is a reset: a cursor from another scope
/// epoch, or from beyond the head (the server's database was restored from an older backup),
/// cannot be continued, so the kiosk starts again from zero.
/// Writes item `id`'s row for the kiosks at `org`: its JSON, or `None` for a tombstone (kiosks
/// there drop the item). The row takes the next seq and replaces the one the item had at that
/// org. Every write of a feed row goes through here, inside the caller's write transaction
/// (content, places, quiz, polls, proposals), so the order kiosks see is decided in one place.
pub(crate) fn put(
    tx: &Tx<'_>,
    id: &ContentId,
    org: OrgId,
    kind: ContentKind,
    item: Option<&str>,
) -> AppResult<()> {
    // PostgreSQL updates the row in place; its trigger gives the row the next seq there too.
    let sql = if tx.is_postgres() {
        "INSERT INTO feed (content_id, org_id, kind, item) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (content_id, org_id) DO UPDATE SET kind = excluded.kind, item = excluded.item"
    } else {
        "INSERT OR REPLACE INTO feed (content_id, org_id, kind, item) VALUES (?1, ?2, ?3, ?4)"
    };
    tx.prepare_cached(sql)?
        .execute(params![id.0, org.0, kind.as_str(), item])?;
    Ok(())
}

fn start_of(since: Option<Cursor>, epoch: u32, head: u64) -> (u64, bool) {
    match since {
        None => (0, false),
        Some(c) if c.epoch != epoch || c.seq > head => (0, true),
        Some(c) => (c.seq, false),
    }
}

/// Every change in the scope of the org at `path` with `start < seq <= head`, at most `limit`.
fn read_page(
    tx: &crate::store::Tx<'_>,
    path: &str,
    start: u64,
    head: u64,
    limit: u32,
    epoch: u32,
    reset: bool,
) -> AppResult<WireChanges> {
    let scope: Vec<String> = ids_in_path(path).iter().map(|o| o.0.to_string()).collect();
    // From zero the kiosk holds nothing this feed gave it, so tombstones are noise.
    let tombstones = if start == 0 {
        "AND item IS NOT NULL"
    } else {
        ""
    };
    let sql = format!(
        "SELECT seq, content_id, kind, item FROM feed
         WHERE org_id IN ({}) AND seq > ?1 AND seq <= ?2 {tombstones}
         ORDER BY seq LIMIT ?3",
        scope.join(",")
    );
    let mut stmt = tx.prepare(&sql)?;
    let mut rows = stmt.query(crate::store::params![
        start as i64,
        head as i64,
        i64::from(limit) + 1
    ])?;
    let mut changes = Vec::new();
    let mut has_more = false;
    while let Some(r) = rows.next()? {
        if changes.len() == limit as usize {
            has_more = true;
            break;
        }
        let seq = r.get::<_, i64>(0)? as u64;
        let item: Option<String> = r.get(3)?;
        changes.push(match item {
            Some(json) => WireChange::Upsert {
                seq,
                item: RawValue::from_string(json)?,
            },
            None => WireChange::Delete {
                seq,
                id: r.get(1)?,
                kind: r.get(2)?,
            },
        });
    }
    let last = match changes.last() {
        Some(WireChange::Upsert { seq, .. } | WireChange::Delete { seq, .. }) if has_more => *seq,
        _ => head,
    };
    Ok(WireChanges {
        changes,
        cursor: Cursor { epoch, seq: last },
        has_more,
        reset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::ChangesResponse;

    #[test]
    fn encoding_follows_accept_encoding() {
        let cases = [
            (None, Encoding::Identity),
            (Some(""), Encoding::Identity),
            (Some("gzip"), Encoding::Gzip),
            (Some("zstd"), Encoding::Zstd),
            (Some("gzip, zstd"), Encoding::Zstd),
            (Some("zstd;q=0.5, gzip"), Encoding::Gzip),
            (Some("zstd;q=0, gzip;q=0"), Encoding::Identity),
            (Some("br, deflate"), Encoding::Identity),
            (Some("GZIP;q=1.0"), Encoding::Gzip),
            (Some("zstd;q=nonsense, gzip"), Encoding::Gzip),
        ];
        for (accept, want) in cases {
            assert_eq!(Encoding::accepted(accept), want, "{accept:?}");
        }
    }

    #[test]
    fn compressed_bodies_decode_to_the_json() {
        let json = Bytes::from(
            serde_json::to_vec(&serde_json::json!({"changes": [], "n": "工会".repeat(50)}))
                .expect("json"),
        );
        let zstd = Encoding::Zstd.encode(&json).expect("zstd");
        assert_eq!(
            zstd::bulk::decompress(&zstd, 1 << 20).expect("unzstd"),
            json
        );
        let gzip = Encoding::Gzip.encode(&json).expect("gzip");
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gzip[..]), &mut out)
            .expect("gunzip");
        assert_eq!(out, json);
        assert_eq!(Encoding::Identity.encode(&json).expect("as is"), json);
    }

    #[test]
    fn wire_changes_read_back_as_protocol_type() {
        let item = serde_json::json!({
            "id": "a", "org_id": 1, "version": 2, "updated_at": "2026-01-01T00:00:00Z",
            "body": {"kind": "attract_slide", "title": "欢迎", "image": "ab".repeat(32)}
        });
        let wire = WireChanges {
            changes: vec![
                WireChange::Upsert {
                    seq: 4,
                    item: RawValue::from_string(item.to_string()).expect("valid JSON"),
                },
                WireChange::Delete {
                    seq: 5,
                    id: "b".into(),
                    kind: "news".into(),
                },
            ],
            cursor: Cursor { epoch: 1, seq: 5 },
            has_more: false,
            reset: true,
        };
        let text = serde_json::to_string(&wire).expect("serialises");
        let back: ChangesResponse = serde_json::from_str(&text).expect("protocol reads it");
        assert_eq!(back.changes.len(), 2);
        assert_eq!(back.changes[0].seq(), 4);
        assert_eq!(back.changes[1].id().0, "b");
        assert!(back.reset);
        assert_eq!(back.cursor, Cursor { epoch: 1, seq: 5 });
    }
}
