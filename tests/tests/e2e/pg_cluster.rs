//! PostgreSQL (issue 20, parts 1 and 6) on the test command's throwaway cluster
//! (`scripts/pg.sh`; `tests::pg`): the PostgreSQL migrations (`sync-server/src/db/pg/`) give
//! the same schema as the SQLite ones (`sync-server/src/db/`) — the same migration files, tables,
//! columns (type, nullability, primary key), indexes, unique and foreign keys, and CHECKs that
//! refuse and accept the same values — and the feed takes its seqs in commit order: a second
//! transaction writing the feed waits for the first to end, and a reader reading while several
//! writers commit never sees a seq before every lower one that commits.

use postgres::{Client, NoTls};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use tests::pg::TestDb;

/// One column as both schemas must have it.
#[derive(Debug, PartialEq, Eq)]
struct Column {
    name: String,
    /// PostgreSQL's name of the type: SQLite's INTEGER is bigint, TEXT text, BLOB bytea, REAL
    /// double precision.
    ty: String,
    /// A primary key column counts as NOT NULL in both (PostgreSQL makes it so; SQLite lets a
    /// rowid table's TEXT key be NULL, which the server never writes).
    not_null: bool,
    /// Its place in the primary key, from 1; 0 when not in it.
    pk: i64,
}

/// An index made by CREATE INDEX (not one behind a key or UNIQUE constraint).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Index {
    name: String,
    unique: bool,
    partial: bool,
    /// Its columns in order; None for an expression.
    columns: Vec<Option<String>>,
}

/// A foreign key: (column, table, column, ON DELETE).
type ForeignKey = (String, String, String, String);

#[derive(Debug, PartialEq, Eq)]
struct Table {
    columns: Vec<Column>,
    indexes: BTreeSet<Index>,
    /// The column lists of UNIQUE constraints.
    uniques: BTreeSet<Vec<String>>,
    foreign_keys: BTreeSet<ForeignKey>,
}

fn migrations(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p
                .file_name()
                .expect("a file")
                .to_string_lossy()
                .into_owned();
            let sql = std::fs::read_to_string(&p).expect("a migration's text");
            (name, sql)
        })
        .collect()
}

fn db_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../sync-server/src/db")
}

/// SQLite's migrations applied as the server applies them: in file order (the order of
/// `db.rs`'s list), each in a transaction, foreign keys on.
fn sqlite_schema() -> BTreeMap<String, Table> {
    let mut conn = rusqlite::Connection::open_in_memory().expect("an in-memory SQLite database");
    conn.pragma_update(None, "foreign_keys", "ON")
        .expect("foreign keys on");
    for (name, sql) in migrations(&db_dir()) {
        let tx = conn.transaction().expect("a transaction");
        tx.execute_batch(&sql)
            .unwrap_or_else(|e| panic!("SQLite migration {name}: {e}"));
        tx.commit().expect("commit");
    }
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .expect("tables")
        .query_map([], |r| r.get(0))
        .expect("tables")
        .collect::<Result<_, _>>()
        .expect("tables");
    let q = |sql: &str, table: &str| -> Vec<Vec<rusqlite::types::Value>> {
        let mut stmt = conn.prepare(sql).expect(sql);
        let n = stmt.column_count();
        stmt.query_map([table], |r| (0..n).map(|i| r.get(i)).collect())
            .expect(sql)
            .collect::<Result<_, _>>()
            .expect(sql)
    };
    use rusqlite::types::Value::{Integer, Null, Text};
    let text = |v: &rusqlite::types::Value| match v {
        Text(s) => Some(s.clone()),
        Null => None,
        other => panic!("expected text, got {other:?}"),
    };
    let int = |v: &rusqlite::types::Value| match v {
        Integer(i) => *i,
        other => panic!("expected an integer, got {other:?}"),
    };
    let mut tables = BTreeMap::new();
    for table in names {
        let columns = q(
            "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1) ORDER BY cid",
            &table,
        )
        .iter()
        .map(|r| {
            let declared = text(&r[1]).expect("a declared type");
            let ty = match declared.as_str() {
                "INTEGER" => "bigint",
                "TEXT" => "text",
                "BLOB" => "bytea",
                "REAL" => "double precision",
                other => panic!("{table}: a column of type {other:?}"),
            };
            Column {
                name: text(&r[0]).expect("a name"),
                ty: ty.to_owned(),
                not_null: int(&r[2]) == 1 || int(&r[3]) > 0,
                pk: int(&r[3]),
            }
        })
        .collect();
        let mut indexes = BTreeSet::new();
        let mut uniques = BTreeSet::new();
        for r in q(
            "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?1)",
            &table,
        ) {
            let name = text(&r[0]).expect("an index name");
            let columns: Vec<Option<String>> = q(
                "SELECT name FROM pragma_index_info(?1) ORDER BY seqno",
                &name,
            )
            .iter()
            .map(|c| text(&c[0]))
            .collect();
            match text(&r[2]).expect("an origin").as_str() {
                "c" => {
                    indexes.insert(Index {
                        name,
                        unique: int(&r[1]) == 1,
                        partial: int(&r[3]) == 1,
                        columns,
                    });
                }
                "u" => {
                    uniques.insert(columns.into_iter().map(|c| c.expect("a column")).collect());
                }
                _ => {}
            }
        }
        let foreign_keys = q(
            "SELECT \"from\", \"table\", \"to\", on_delete FROM pragma_foreign_key_list(?1)",
            &table,
        )
        .iter()
        .map(|r| {
            (
                text(&r[0]).expect("from"),
                text(&r[1]).expect("table"),
                text(&r[2]).expect("every foreign key names its column"),
                text(&r[3]).expect("on delete"),
            )
        })
        .collect();
        tables.insert(
            table,
            Table {
                columns,
                indexes,
                uniques,
                foreign_keys,
            },
        );
    }
    tables
}

/// PostgreSQL's migrations applied in file order, each in a transaction.
fn apply_pg(client: &mut Client) {
    for (name, sql) in migrations(&db_dir().join("pg")) {
        let mut tx = client.transaction().expect("a transaction");
        tx.batch_execute(&sql)
            .unwrap_or_else(|e| panic!("PostgreSQL migration {name}: {e}"));
        tx.commit().expect("commit");
    }
}

fn pg_schema(client: &mut Client) -> BTreeMap<String, Table> {
    let names: Vec<String> = client
        .query(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
            &[],
        )
        .expect("tables")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut tables = BTreeMap::new();
    for table in names {
        let columns = client
            .query(
                "SELECT a.attname::text, format_type(a.atttypid, NULL), a.attnotnull,
                        coalesce(array_position(k.conkey, a.attnum), 0)::bigint
                 FROM pg_attribute a
                 LEFT JOIN pg_constraint k ON k.conrelid = a.attrelid AND k.contype = 'p'
                 WHERE a.attrelid = $1::text::regclass AND a.attnum > 0 AND NOT a.attisdropped
                 ORDER BY a.attnum",
                &[&table],
            )
            .expect("columns")
            .iter()
            .map(|r| Column {
                name: r.get(0),
                ty: r.get(1),
                not_null: r.get(2),
                pk: r.get(3),
            })
            .collect();
        let indexes = client
            .query(
                "SELECT i.relname::text, x.indisunique, x.indpred IS NOT NULL,
                        array(SELECT a.attname::text
                              FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(n, o)
                              LEFT JOIN pg_attribute a
                                  ON a.attrelid = x.indrelid AND a.attnum = k.n
                              ORDER BY k.o)
                 FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                 WHERE x.indrelid = $1::text::regclass
                   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
                &[&table],
            )
            .expect("indexes")
            .iter()
            .map(|r| Index {
                name: r.get(0),
                unique: r.get(1),
                partial: r.get(2),
                columns: r.get(3),
            })
            .collect();
        let key_columns = "array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(n, o)
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o)";
        let uniques = client
            .query(
                &format!(
                    "SELECT {key_columns} FROM pg_constraint c
                     WHERE c.conrelid = $1::text::regclass AND c.contype = 'u'"
                ),
                &[&table],
            )
            .expect("unique constraints")
            .iter()
            .map(|r| r.get(0))
            .collect();
        let foreign_keys = client
            .query(
                "SELECT a.attname::text, t.relname::text, f.attname::text,
                        CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'a' THEN 'NO ACTION'
                             ELSE c.confdeltype::text END
                 FROM pg_constraint c
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                 JOIN pg_class t ON t.oid = c.confrelid
                 JOIN pg_attribute f ON f.attrelid = c.confrelid AND f.attnum = c.confkey[1]
                 WHERE c.conrelid = $1::text::regclass AND c.contype = 'f'",
                &[&table],
            )
            .expect("foreign keys")
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect();
        tables.insert(
            table,
            Table {
                columns,
                indexes,
                uniques,
                foreign_keys,
            },
        );
    }
    tables
}

#[test]
fn postgres_migrations_give_the_sqlite_schema() {
    let sqlite_files: Vec<String> = migrations(&db_dir()).into_iter().map(|m| m.0).collect();
    let pg_files: Vec<String> = migrations(&db_dir().join("pg"))
        .into_iter()
        .map(|m| m.0)
        .collect();
    assert_eq!(
        pg_files, sqlite_files,
        "every SQLite migration has a PostgreSQL twin of the same name in db/pg/, and no more"
    );

    let db = TestDb::create();
    let mut client = Client::connect(db.url(), NoTls).expect("connecting to the test database");
    apply_pg(&mut client);
    let pg = pg_schema(&mut client);
    let sqlite = sqlite_schema();

    assert_eq!(
        pg.keys().collect::<Vec<_>>(),
        sqlite.keys().collect::<Vec<_>>(),
        "the same tables"
    );
    for (name, table) in &sqlite {
        assert_eq!(
            &pg[name], table,
            "table {name}: PostgreSQL (left), SQLite (right)"
        );
    }

    // CHECKs: the same values refused and accepted in both (the ones SQLite widened by
    // rebuilding a table, here widened in place, among them).
    let sqlite_db = rusqlite::Connection::open_in_memory().expect("SQLite");
    for (name, sql) in migrations(&db_dir()) {
        sqlite_db
            .execute_batch(&sql)
            .unwrap_or_else(|e| panic!("SQLite migration {name}: {e}"));
    }
    let probes = [
        (
            "INSERT INTO audit_log (at, action) VALUES (1, 'escalate')",
            true,
        ),
        (
            "INSERT INTO audit_log (at, action) VALUES (1, 'screenshot')",
            true,
        ),
        (
            "INSERT INTO audit_log (at, action) VALUES (1, 'delete')",
            false,
        ),
        (
            "INSERT INTO poll_ballots (submission_id, poll_id, refusal) VALUES ('a', 'p', 'changed')",
            true,
        ),
        (
            "INSERT INTO poll_ballots (submission_id, poll_id, refusal) VALUES ('b', 'p', NULL)",
            true,
        ),
        (
            "INSERT INTO poll_ballots (submission_id, poll_id, refusal) VALUES ('c', 'p', 'late')",
            false,
        ),
        (
            "INSERT INTO form_deadlines (form_id, unit, amount, set_at) VALUES ('f', 'hours', 720, 1)",
            true,
        ),
        (
            "INSERT INTO form_deadlines (form_id, unit, amount, set_at) VALUES ('g', 'hours', 721, 1)",
            false,
        ),
        (
            "INSERT INTO form_deadlines (form_id, unit, amount, set_at) VALUES ('h', 'weeks', 1, 1)",
            false,
        ),
        (PROPOSAL_PENDING, true),
        (PROPOSAL_OPEN, false),
    ];
    for (sql, accepted) in probes {
        assert_eq!(
            sqlite_db.execute(sql, []).is_ok(),
            accepted,
            "SQLite: {sql}"
        );
        assert_eq!(
            client.execute(sql, &[]).is_ok(),
            accepted,
            "PostgreSQL: {sql}"
        );
    }
}

const PROPOSAL_PENDING: &str = "INSERT INTO proposals (submission_id, call_id, org_id, number,
    status, title, reasons, measures, proposer, cosigners, received_at, updated_at)
    VALUES ('p1', 'c', 1, 1, 'pending', 't', 'r', 'm', 'p', '[]', 1, 1)";
const PROPOSAL_OPEN: &str = "INSERT INTO proposals (submission_id, call_id, org_id, number,
    status, title, reasons, measures, proposer, cosigners, received_at, updated_at)
    VALUES ('p2', 'c', 1, 2, 'open', 't', 'r', 'm', 'p', '[]', 1, 1)";

/// Writes a feed row as the server does (an upsert on the item and org) and returns its seq.
fn put_feed(
    client: &mut impl postgres::GenericClient,
    content_id: &str,
) -> Result<i64, postgres::Error> {
    let row = client.query_one(
        "INSERT INTO feed (seq, content_id, org_id, kind, item) VALUES (1, $1, 1, 'news', '{}')
         ON CONFLICT (content_id, org_id)
             DO UPDATE SET seq = excluded.seq, kind = excluded.kind, item = excluded.item
         RETURNING seq",
        &[&content_id],
    )?;
    Ok(row.get(0))
}

/// The advisory locks held in this database (the feed's, taken by its trigger).
fn advisory_locks(client: &mut Client) -> i64 {
    client
        .query_one(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[],
        )
        .expect("pg_locks")
        .get(0)
}

#[test]
fn feed_seqs_are_taken_in_commit_order() {
    let db = TestDb::create();
    let mut first = Client::connect(db.url(), NoTls).expect("connecting");
    apply_pg(&mut first);
    let mut second = Client::connect(db.url(), NoTls).expect("connecting");
    let mut reader = Client::connect(db.url(), NoTls).expect("connecting");

    let mut a = first.transaction().expect("a transaction");
    let seq_a = put_feed(&mut a, "item-a").expect("the first writer's feed row");
    assert_eq!(
        advisory_locks(&mut reader),
        1,
        "the first writer holds the feed's lock"
    );

    // While `a` is open, another transaction can write elsewhere, but not the feed: its feed
    // write waits (here: until the lock timeout) for `a` to end.
    second
        .batch_execute("SET lock_timeout = '200ms'")
        .expect("a lock timeout");
    let mut b = second.transaction().expect("a transaction");
    b.execute(
        "INSERT INTO media (sha256, mime, width, height, bytes, file, created_at)
         VALUES ('ab', 'image/png', 1, 1, 1, 'ab.png', 1)",
        &[],
    )
    .expect("a write outside the feed does not wait");
    let waited = put_feed(&mut b, "item-b").expect_err("a second feed writer waits for the first");
    assert_eq!(
        waited.code(),
        Some(&postgres::error::SqlState::LOCK_NOT_AVAILABLE),
        "{waited}"
    );
    b.rollback().expect("rollback");
    let seen: i64 = reader
        .query_one("SELECT count(*) FROM feed", &[])
        .expect("count")
        .get(0);
    assert_eq!(
        seen, 0,
        "nothing is visible before the first writer commits"
    );

    a.commit().expect("commit");
    let mut b = second.transaction().expect("a transaction");
    let seq_b =
        put_feed(&mut b, "item-b").expect("the second writer's feed row, once the first committed");
    b.commit().expect("commit");
    assert!(
        seq_b > seq_a,
        "the later commit has the higher seq ({seq_a}, {seq_b})"
    );

    // A rewrite of a row takes a new, higher seq and keeps one row per item and org; the seq a
    // statement names is never the one kept.
    let rewritten = put_feed(&mut first, "item-a").expect("a rewrite");
    assert!(
        rewritten > seq_b,
        "a rewrite takes the next seq ({seq_b}, {rewritten})"
    );
    // So does any other change of a row (kiosks past its old seq would never see it).
    let updated: i64 = first
        .query_one(
            "UPDATE feed SET item = NULL WHERE content_id = 'item-b' RETURNING seq",
            &[],
        )
        .expect("an update")
        .get(0);
    assert!(
        updated > rewritten,
        "an update takes the next seq ({rewritten}, {updated})"
    );
    let rows: Vec<(String, i64)> = reader
        .query("SELECT content_id, seq FROM feed ORDER BY seq", &[])
        .expect("the feed")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        rows,
        [
            ("item-a".to_owned(), rewritten),
            ("item-b".to_owned(), updated)
        ]
    );
    // The lock is the transaction's: a writer that ended leaves none behind.
    assert_eq!(
        advisory_locks(&mut reader),
        0,
        "no advisory lock outlives its transaction"
    );
}

/// Writers on their own connections (as on several instances) commit feed rows while a reader
/// reads the feed throughout: whenever the reader has seen seq N, every row that ever commits
/// with a seq below N was already there. This is the kiosk's guarantee: a cursor at N never
/// steps over a row that commits later.
#[test]
fn a_reader_never_sees_a_seq_before_a_lower_one_commits() {
    const WRITERS: usize = 4;
    const EACH: usize = 25;
    let db = TestDb::create();
    apply_pg(&mut Client::connect(db.url(), NoTls).expect("connecting"));
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let url = db.url().to_owned();
            let done = done.clone();
            std::thread::spawn(move || {
                let mut client = Client::connect(&url, NoTls).expect("connecting");
                for i in 0..EACH {
                    let mut tx = client.transaction().expect("a transaction");
                    put_feed(&mut tx, &format!("w{w}-{i}")).expect("a feed row");
                    // Work after the feed write, before the commit: where a later seq could
                    // overtake this one if seqs were not taken in commit order.
                    std::thread::sleep(std::time::Duration::from_micros(rand::random_range(
                        0..2_000,
                    )));
                    tx.commit().expect("commit");
                }
                done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            })
        })
        .collect();
    let mut reader = Client::connect(db.url(), NoTls).expect("connecting");
    let read = |reader: &mut Client| -> BTreeSet<i64> {
        reader
            .query("SELECT seq FROM feed", &[])
            .expect("the feed")
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    let mut seen = Vec::new();
    while done.load(std::sync::atomic::Ordering::SeqCst) < WRITERS {
        seen.push(read(&mut reader));
    }
    for writer in writers {
        writer.join().expect("a writer");
    }
    let last = read(&mut reader);
    assert_eq!(last.len(), WRITERS * EACH, "every row committed");
    assert!(
        seen.len() > 10,
        "the reader read throughout ({} reads)",
        seen.len()
    );
    for snapshot in &seen {
        let Some(&top) = snapshot.last() else {
            continue;
        };
        let missing: Vec<i64> = last
            .range(..top)
            .filter(|s| !snapshot.contains(s))
            .copied()
            .collect();
        assert!(
            missing.is_empty(),
            "a read that saw seq {top} missed {missing:?}, committed later"
        );
    }
}
