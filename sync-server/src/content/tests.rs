//! Content writes against a real database in a temporary directory, one case per line: the
//! steps (each in its own transaction, at a minute after a fixed start) and what they leave
//! behind in the feed.
//!
//! Steps, separated by `;`, each `<minute> <verb> ...`:
//! - `create K @O [draft] [from M] [until M]`: item `K` at org `O`, published unless `draft`,
//!   live from / until minute `M`;
//! - `replace K @O`: a new version of `K`, now at org `O`;
//! - `upsert K @O TITLE`: create or replace the item keyed `K`, titled `TITLE`;
//! - `unpublish K`, `delete K`;
//! - `due`: apply every publish-at / expire-at due by then.
//!
//! The expectation is what `upsert` and `due` said (`created` / `updated` / `unchanged`,
//! `next M` / `next none`), then `|`, the feed head, and the feed's rows in seq order: `K@O vN`
//! for an item kiosks at `O` hold, `K@O gone` for a tombstone. The orgs are `1` (the root) with
//! children `2` and `3`.

use super::*;
use crate::db::{Db, to_ts};
use protocol::ContentItem;
use protocol::content::{NewsArticle, NewsCategory};
use std::collections::HashMap;

#[test]
fn creating() {
    check("0 create a @2", "| head 1: a@2 v1");
    check("0 create a @2 draft", "| head 0:");
    check("0 create a @2; 1 create b @3", "| head 2: a@2 v1, b@3 v1");
}

#[test]
fn replacing() {
    check("0 create a @2; 1 replace a @2", "| head 2: a@2 v2");
    check("0 create a @2 draft; 1 replace a @2", "| head 1: a@2 v2");
}

#[test]
fn moving_out_of_scope_leaves_a_tombstone() {
    check(
        "0 create a @2; 1 replace a @3",
        "| head 3: a@2 gone, a@3 v2",
    );
    check("0 create a @2 draft; 1 replace a @3", "| head 1: a@3 v2");
}

#[test]
fn unpublishing_and_deleting() {
    check("0 create a @2; 1 unpublish a", "| head 2: a@2 gone");
    check("0 create a @2; 1 delete a", "| head 2: a@2 gone");
    check("0 create a @2 draft; 1 delete a", "| head 0:");
    check(
        "0 create a @2; 1 create b @2; 2 delete a",
        "| head 3: b@2 v1, a@2 gone",
    );
}

#[test]
fn expiry() {
    check(
        "0 create a @2 until 10; 5 due; 10 due",
        "next 10, next none | head 2: a@2 gone",
    );
    check("0 create a @2 until 10; 9 due", "next 10 | head 1: a@2 v1");
}

#[test]
fn schedule() {
    check("0 create a @2 from 10", "| head 0:");
    check(
        "0 create a @2 from 10 until 20; 10 due; 20 due",
        "next 20, next none | head 2: a@2 gone",
    );
    check(
        "0 create a @2 from 10 until 20; 15 due",
        "next 20 | head 1: a@2 v1",
    );
    check(
        "0 create a @2 from 10; 1 replace a @2; 10 due",
        "next none | head 1: a@2 v2",
    );
}

#[test]
fn unchanged_upserts_write_nothing() {
    check(
        "0 upsert k @2 标题; 1 upsert k @2 标题",
        "created, unchanged | head 1: k@2 v1",
    );
    check(
        "0 upsert k @2 标题; 1 upsert k @2 新标题",
        "created, updated | head 2: k@2 v2",
    );
    check(
        "0 upsert k @2 标题; 1 upsert k @3 标题",
        "created, updated | head 3: k@2 gone, k@3 v2",
    );
}

/// A fixed start: 2026-01-01T00:00:00Z.
const START_MS: i64 = 1_767_225_600_000;

fn minute(m: &str) -> i64 {
    START_MS + m.parse::<i64>().expect("a minute") * 60_000
}

fn article(title: &str) -> ContentBody {
    ContentBody::News(NewsArticle {
        title: title.to_owned(),
        summary: String::new(),
        body_markdown: "正文".to_owned(),
        cover: None,
        images: Vec::new(),
        category: NewsCategory::UnionNews,
        pinned: false,
        phone_link: None,
    })
}

fn org(word: &str) -> OrgId {
    OrgId(
        word.strip_prefix('@')
            .and_then(|o| o.parse().ok())
            .expect("an org like @2"),
    )
}

fn check(steps: &str, expect: &str) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("server.db");
    drop(Db::open(&path).expect("the database opens and migrates"));
    let mut conn = rusqlite::Connection::open(&path).expect("opens again");
    let sqlite = conn.transaction().expect("a transaction");
    let tx = Tx::sqlite(&sqlite);
    let root = crate::orgs::create_in(&tx, None, "根").expect("root org");
    for name in ["甲", "乙"] {
        crate::orgs::create_in(&tx, Some(root.id), name).expect("child org");
    }
    sqlite.commit().expect("orgs commit");

    let mut ids: HashMap<String, ContentId> = HashMap::new();
    let mut said = Vec::new();
    for step in steps.split(';') {
        let words: Vec<&str> = step.split_whitespace().collect();
        let sqlite = conn.transaction().expect("a transaction");
        let tx = Tx::sqlite(&sqlite);
        let mut cx = ContentTx::at(&tx, &Actor::Operator, minute(words[0]));
        let id_of = |key: &str| ids.get(key).cloned().expect("a known key");
        match words[1..] {
            ["create", key, at, ref options @ ..] => {
                let option = |name: &str| {
                    options
                        .iter()
                        .position(|w| *w == name)
                        .map(|i| to_ts(minute(options[i + 1])))
                };
                let w = ContentWrite {
                    org_id: org(at),
                    published: !options.contains(&"draft"),
                    publish_at: option("from"),
                    expire_at: option("until"),
                    body: article(key),
                };
                let record = cx.create(w, None).expect(step);
                ids.insert(key.to_owned(), record.item.id);
            }
            ["replace", key, at] => {
                let old = row::load(&tx, &id_of(key)).expect(step);
                let w = ContentWrite {
                    org_id: org(at),
                    published: true,
                    publish_at: old.publish_at.map(to_ts),
                    expire_at: old.expire_at.map(to_ts),
                    body: old.body,
                };
                cx.replace(id_of(key), w).expect(step);
            }
            ["upsert", key, at, title] => {
                let w = ContentWrite {
                    org_id: org(at),
                    published: true,
                    publish_at: None,
                    expire_at: None,
                    body: article(title),
                };
                let (outcome, id) = cx.upsert(key, None, w).expect(step);
                said.push(format!("{outcome:?}").to_lowercase());
                ids.insert(key.to_owned(), id);
            }
            ["unpublish", key] => {
                cx.set_state(id_of(key), ContentState::Unpublished)
                    .expect(step);
            }
            ["delete", key] => cx.delete(id_of(key)).expect(step),
            ["due"] => {
                let next = cx.apply_due().expect(step);
                said.push(match next {
                    Some(ms) => format!("next {}", (ms - START_MS) / 60_000),
                    None => "next none".to_owned(),
                });
            }
            _ => panic!("unknown step {step:?}"),
        }
        sqlite.commit().expect("the step commits");
    }

    let sqlite = conn.transaction().expect("a transaction");
    let tx = Tx::sqlite(&sqlite);
    let key_of = |id: &str| {
        ids.iter()
            .find(|(_, v)| v.0 == id)
            .map(|(k, _)| k.clone())
            .expect("feed rows are of known items")
    };
    let rows: Vec<String> = tx
        .prepare("SELECT content_id, org_id, item FROM feed ORDER BY seq")
        .expect("feed query")
        .query_map([], |r| {
            let (id, org, item): (String, i64, Option<String>) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let state = match item {
                Some(json) => {
                    let item: ContentItem = serde_json::from_str(&json).expect("a stored item");
                    format!("v{}", item.version)
                }
                None => "gone".to_owned(),
            };
            Ok(format!("{}@{org} {state}", key_of(&id)))
        })
        .expect("feed rows")
        .collect::<Result<_, _>>()
        .expect("feed rows read");
    let head = feed_head(&tx).expect("the head");
    let got = format!("{} | head {head}: {}", said.join(", "), rows.join(", "));
    assert_eq!(got.trim(), expect, "steps: {steps}");
}

/// Every save is a revision; an unchanged or stale edit makes none; a restore is a new version
/// with the old body that keeps the item's state; deleting the item drops its history.
#[test]
fn revisions_keep_every_save_and_a_restore_is_a_new_version() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("server.db");
    drop(Db::open(&path).expect("the database opens and migrates"));
    let mut conn = rusqlite::Connection::open(&path).expect("opens again");
    let sqlite = conn.transaction().expect("a transaction");
    let tx = Tx::sqlite(&sqlite);
    let root = crate::orgs::create_in(&tx, None, "根").expect("root org");
    let mut cx = ContentTx::at(&tx, &Actor::Operator, START_MS);
    let w = ContentWrite {
        org_id: root.id,
        published: true,
        publish_at: None,
        expire_at: None,
        body: article("第一版标题"),
    };
    let id = cx.create(w, None).expect("created").item.id;
    let edit = |cx: &mut ContentTx<'_>, base: u32, title: &str| {
        cx.edit(id.clone(), base, article(title), (None, None))
            .expect("edits")
    };
    assert!(matches!(edit(&mut cx, 1, "第二版标题"), Edited::Saved(r) if r.item.version == 2));
    assert!(matches!(edit(&mut cx, 2, "第二版标题"), Edited::Unchanged));
    assert!(matches!(
        edit(&mut cx, 1, "过时的修改"),
        Edited::Stale { current: 2 }
    ));
    cx.set_state(id.clone(), ContentState::Unpublished)
        .expect("unpublished");
    let restored = cx.restore(id.clone(), 1).expect("restored");
    assert_eq!(restored.item.version, 3);
    assert_eq!(restored.item.body, article("第一版标题"));
    assert_eq!(restored.state, ContentState::Unpublished, "state kept");
    assert!(!restored.live);
    let again = cx.restore(id.clone(), 3).expect_err("nothing to restore");
    assert_eq!(again.status, axum::http::StatusCode::CONFLICT);

    let revisions: Vec<(u32, String, Option<u32>, String)> = tx
        .prepare(
            "SELECT r.version, r.changed, r.restored_from,
                    json_extract(coalesce(r.body, c.body), '$.title')
             FROM revisions r JOIN content c ON c.id = r.content_id
             WHERE r.content_id = ?1 ORDER BY r.version",
        )
        .expect("query")
        .query_map([&id.0], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("read");
    assert_eq!(
        revisions,
        [
            (1, String::new(), None, "第一版标题".to_owned()),
            (2, "title".to_owned(), None, "第二版标题".to_owned()),
            (3, "title".to_owned(), Some(1), "第一版标题".to_owned()),
        ]
    );
    // Each body is stored once: the current version's only in the content row.
    let without_body: Vec<u32> = tx
        .prepare("SELECT version FROM revisions WHERE content_id = ?1 AND body IS NULL")
        .expect("query")
        .query_map([&id.0], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("read");
    assert_eq!(without_body, [3]);
    // The feed holds the tombstone of the unpublished item, not the restored body.
    let shown: Option<String> = tx
        .query_row(
            "SELECT item FROM feed WHERE content_id = ?1",
            [&id.0],
            |r| r.get(0),
        )
        .expect("a feed row");
    assert_eq!(shown, None);
    cx.delete(id.clone()).expect("deleted");
    let left: i64 = tx
        .query_row("SELECT count(*) FROM revisions", [], |r| r.get(0))
        .expect("count");
    assert_eq!(left, 0, "the history goes with the item");
}
