//! The delta feed a kiosk pulls: every change in its scope (its org and every ancestor, never a
//! sibling) after its cursor, in seq order, a page at a time.
//!
//! Stored items are already JSON; they are spliced into the response as raw JSON rather than
//! parsed and printed again, which keeps a 60,000-item initial sync cheap.

use crate::content::feed_head;
use crate::error::AppResult;
use crate::kiosks::Kiosk;
use crate::orgs::ids_in_path;
use crate::state::AppState;
use protocol::Cursor;
use serde::Serialize;
use serde_json::value::RawValue;

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

pub async fn changes(
    state: &AppState,
    kiosk: Kiosk,
    since: Option<Cursor>,
    limit: u32,
) -> AppResult<WireChanges> {
    state
        .db
        .read(move |tx| {
            let head = feed_head(tx)?;
            // A cursor from another scope epoch, or from beyond the head (the server's database was
            // restored from an older backup), cannot be continued: start again from zero.
            let (start, reset) = match since {
                None => (0, false),
                Some(c) if c.epoch != kiosk.epoch || c.seq > head => (0, true),
                Some(c) => (c.seq, false),
            };
            let scope: Vec<String> = ids_in_path(&kiosk.org_path)
                .iter()
                .map(|o| o.0.to_string())
                .collect();
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
            let mut rows = stmt.query(rusqlite::params![
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
                Some(WireChange::Upsert { seq, .. } | WireChange::Delete { seq, .. })
                    if has_more =>
                {
                    *seq
                }
                _ => head,
            };
            Ok(WireChanges {
                changes,
                cursor: Cursor {
                    epoch: kiosk.epoch,
                    seq: last,
                },
                has_more,
                reset,
            })
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::ChangesResponse;

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
