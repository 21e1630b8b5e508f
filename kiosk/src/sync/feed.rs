//! Reading a feed page a newer server sent, without letting what this kiosk does not know break
//! the sync (forward compatibility, `docs/protocol.md`).
//!
//! Each change is read on its own. A change of a content kind this kiosk does not know is
//! skipped: nothing is stored for it, and it is counted by its kind's name (never its body,
//! which may hold anything). An upsert of a kind it knows but cannot read (a newer server's
//! variant of it) drops this kiosk's copy of that item, as a delete would: a stale version is
//! not shown as if current. Unknown fields are ignored throughout (no type in `protocol` denies
//! them). The page's cursor is the server's and is kept as sent, so the kiosk moves past what it
//! skipped and never asks for it again; a later kiosk release that knows the kind gets it on its
//! next resync. A change without a readable `op`, `seq` and id is a broken page, refused whole.

use protocol::{Change, ChangesResponse, ContentId, ContentKind, Cursor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::str::FromStr;

/// What a page held that this kiosk could not use, by kind name.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Changes of kinds this kiosk does not know, skipped.
    pub unknown: BTreeMap<String, usize>,
    /// Upserts of known kinds that could not be read, kept as deletes.
    pub unreadable: BTreeMap<String, usize>,
}

impl Skipped {
    pub fn is_empty(&self) -> bool {
        self.unknown.is_empty() && self.unreadable.is_empty()
    }
}

#[derive(Deserialize)]
struct RawPage {
    changes: Vec<serde_json::Value>,
    cursor: Cursor,
    has_more: bool,
    #[serde(default)]
    reset: bool,
}

/// A kind name fit for a log line: the server's word, cut short and stripped to what a kind
/// name is made of.
fn kind_name(v: &serde_json::Value) -> String {
    let name: String = v
        .as_str()
        .unwrap_or("?")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(40)
        .collect();
    if name.is_empty() {
        "?".to_owned()
    } else {
        name
    }
}

/// One feed page, each change read on its own (see the module).
pub fn decode_page(bytes: &[u8]) -> Result<(ChangesResponse, Skipped), serde_json::Error> {
    let raw: RawPage = serde_json::from_slice(bytes)?;
    let mut skipped = Skipped::default();
    let mut changes = Vec::with_capacity(raw.changes.len());
    for value in raw.changes {
        let kind_value = match value.get("op").and_then(|o| o.as_str()) {
            Some("upsert") => value
                .get("item")
                .and_then(|i| i.get("body"))
                .and_then(|b| b.get("kind")),
            _ => value.get("kind"),
        }
        .cloned()
        .unwrap_or(serde_json::Value::Null);
        let known = kind_value
            .as_str()
            .and_then(|k| ContentKind::from_str(k).ok());
        let Some(kind) = known else {
            // Still a change: it must say which position it is at, or the page is broken.
            let _: u64 = serde_json::from_value(value.get("seq").cloned().unwrap_or_default())?;
            *skipped.unknown.entry(kind_name(&kind_value)).or_default() += 1;
            continue;
        };
        match serde_json::from_value::<Change>(value.clone()) {
            Ok(change) => changes.push(change),
            Err(e) => {
                let seq: u64 =
                    serde_json::from_value(value.get("seq").cloned().unwrap_or_default())?;
                let id: ContentId = serde_json::from_value(
                    value
                        .get("item")
                        .and_then(|i| i.get("id"))
                        .or_else(|| value.get("id"))
                        .cloned()
                        .unwrap_or_default(),
                )
                .map_err(|_| e)?;
                *skipped
                    .unreadable
                    .entry(kind.as_str().to_owned())
                    .or_default() += 1;
                changes.push(Change::Delete { seq, id, kind });
            }
        }
    }
    Ok((
        ChangesResponse {
            changes,
            cursor: raw.cursor,
            has_more: raw.has_more,
            reset: raw.reset,
        },
        skipped,
    ))
}

/// Logs what a page skipped: kind names and counts only.
pub fn log_skipped(skipped: &Skipped) {
    for (kind, count) in &skipped.unknown {
        tracing::warn!(kind = %kind, count, "skipped feed items of a kind this kiosk does not know");
    }
    for (kind, count) in &skipped.unreadable {
        tracing::warn!(kind = %kind, count, "feed items this kiosk cannot read; its copies dropped");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use protocol::{ContentBody, ContentItem};
    use serde_json::json;

    fn item(id: &str, body: serde_json::Value) -> serde_json::Value {
        json!({"id": id, "org_id": 1, "version": 1, "updated_at": "2026-12-01T00:00:00Z", "body": body})
    }

    fn news(title: &str) -> serde_json::Value {
        json!({"kind": "news", "title": title, "body_markdown": "正文", "category": "union_news"})
    }

    /// A page as a newer server sends it: known items among a kind this kiosk has never heard of
    /// (and its delete), a known kind in a shape it cannot read, and fields it does not know.
    #[test]
    fn a_page_with_kinds_this_kiosk_does_not_know_stores_the_rest_and_moves_on() {
        let dir = tempfile::tempdir().expect("dir");
        let mut store = Store::open(dir.path()).expect("store");
        let old_offering = item(
            "o1",
            json!({"kind": "offering", "title": "旧课程", "category": "course",
                   "schedule": {"type": "sessions", "sessions": []}}),
        );
        let first = json!({"changes": [{"op": "upsert", "seq": 1, "item": old_offering}],
                           "cursor": "1.1", "has_more": false});
        let (page, _) = decode_page(first.to_string().as_bytes()).expect("page");
        store.apply(&page).expect("applied");

        let mut newer_news = news("新版本的新闻");
        newer_news["reactions"] = json!({"like": 3});
        let page = json!({
            "changes": [
                {"op": "upsert", "seq": 2, "item": item("n1", news("第一条新闻"))},
                {"op": "upsert", "seq": 3, "item": item("s1", json!({"kind": "survey", "questions": [{"q": "满意吗"}]}))},
                {"op": "upsert", "seq": 4, "item": item("o1", json!({"kind": "offering", "title": "新课程",
                    "category": "course", "schedule": {"type": "rota", "weeks": 2}}))},
                {"op": "delete", "seq": 5, "id": "s0", "kind": "survey"},
                {"op": "upsert", "seq": 6, "item": item("n2", newer_news), "trace": "x"},
                {"op": "upsert", "seq": 7, "item": item("p1", json!({"kind": "poll\n<script>"}))}
            ],
            "cursor": "1.7", "has_more": false, "server_hint": "ignored"
        });
        let (page, skipped) = decode_page(page.to_string().as_bytes()).expect("a page");
        assert_eq!(
            skipped.unknown,
            BTreeMap::from([("pollscript".to_owned(), 1), ("survey".to_owned(), 2)])
        );
        assert_eq!(
            skipped.unreadable,
            BTreeMap::from([("offering".to_owned(), 1)])
        );
        store.apply(&page).expect("applied");
        assert_eq!(
            store.cursor().expect("cursor"),
            Some("1.7".parse().expect("cursor"))
        );
        let titles: Vec<String> = store
            .items(ContentKind::News)
            .expect("news")
            .into_iter()
            .filter_map(|i: ContentItem| match i.body {
                ContentBody::News(n) => Some(n.title),
                _ => None,
            })
            .collect();
        assert_eq!(titles.len(), 2, "{titles:?}");
        assert!(titles.contains(&"新版本的新闻".to_owned()));
        assert!(
            store
                .items(ContentKind::Offering)
                .expect("offerings")
                .is_empty(),
            "the copy it can no longer read is dropped, not shown as current"
        );

        // A change that does not say where it is in the feed is a broken page.
        let broken = json!({"changes": [{"op": "upsert", "item": item("x", json!({"kind": "survey"}))}],
                            "cursor": "1.8", "has_more": false});
        assert!(decode_page(broken.to_string().as_bytes()).is_err());
    }
}
