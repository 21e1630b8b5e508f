//! Moving up (issue 20, part 5): `sync-server migrate --to postgres://…`, run as the binary
//! runs it, copies a stopped server's data dir (the demo, and an enrolled kiosk) into an empty
//! database on the test cluster: every table's count, the feed's rows byte for byte and its
//! seqs, the next seq and id above the highest copied; the SQLite file untouched; a second run
//! into the same database and a wrong URL refused with a sentence; and a copy of the database
//! refused while a connection writes to it (its `-wal` file not empty), while one only has it
//! open, and when it has a column PostgreSQL lacks, the PostgreSQL database left empty.

use clap::Parser;
use kiosk::sync::SyncConfig;
use postgres::{Client, NoTls};
use sha2::{Digest, Sha256};
use sync_server::cli::Cli;
use tests::pg::TestDb;
use tests::{EnrolledKiosk, TestServer};

type FeedRow = (i64, String, i64, String, Option<String>);

async fn migrate(data_dir: &std::path::Path, url: &str) -> anyhow::Result<()> {
    let dir = data_dir.to_str().expect("a UTF-8 path");
    Cli::try_parse_from(["sync-server", "--data-dir", dir, "migrate", "--to", url])
        .expect("the command line parses")
        .run()
        .await
}

#[tokio::test]
async fn a_data_dir_moves_to_postgres_with_its_ids_and_seqs() {
    // SQLite whatever UNION_TEST_BACKEND says: the SQLite data dir is what moves.
    let (server, staff, loaded) = TestServer::demo_on_sqlite().await;
    let kiosk = EnrolledKiosk::enroll(&staff, loaded.branch, SyncConfig::default()).await;
    let pin = server.fingerprint;
    let stopped = server.stop_keeping_data().await;
    let address = stopped.config().listen;
    let dir = stopped.data_dir().to_path_buf();
    let file = dir.join("server.db");
    let before = Sha256::digest(std::fs::read(&file).expect("the database file"));

    let sqlite = rusqlite::Connection::open(&file).expect("SQLite");
    let tables: Vec<String> = sqlite
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
             ORDER BY name",
        )
        .expect("tables")
        .query_map([], |r| r.get(0))
        .expect("tables")
        .collect::<Result<_, _>>()
        .expect("tables");
    let counts: Vec<(String, i64)> = tables
        .iter()
        .map(|t| {
            let n = sqlite
                .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .expect("a count");
            (t.clone(), n)
        })
        .collect();
    let feed: Vec<FeedRow> = sqlite
        .prepare("SELECT seq, content_id, org_id, kind, item FROM feed ORDER BY seq")
        .expect("the feed")
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .expect("the feed")
        .collect::<Result<_, _>>()
        .expect("the feed");
    drop(sqlite);
    let by_count = |t: &str| counts.iter().find(|(n, _)| n == t).expect("a table").1;
    assert!(by_count("kiosks") == 1 && by_count("content") > 300 && feed.len() > 300);

    let db = TestDb::create();
    migrate(&dir, db.url()).await.expect("the migration");
    assert_eq!(
        Sha256::digest(std::fs::read(&file).expect("the database file")),
        before,
        "the SQLite file is not touched"
    );

    let url = db.url().to_owned();
    let (pg_counts, pg_feed, next_seq, next_org, keys) = std::thread::spawn(move || {
        let mut pg = Client::connect(&url, NoTls).expect("connecting");
        // SQLite's server_keys is empty; the migration records the data dir's keys there.
        let keys: Vec<String> = pg
            .query("SELECT name FROM server_keys ORDER BY name", &[])
            .expect("the keys")
            .iter()
            .map(|r| r.get(0))
            .collect();
        let pg_counts: Vec<(String, i64)> = tables
            .iter()
            .filter(|t| *t != "server_keys")
            .map(|t| {
                let n: i64 = pg
                    .query_one(&format!("SELECT count(*) FROM {t}"), &[])
                    .expect("a count")
                    .get(0);
                (t.clone(), n)
            })
            .collect();
        let pg_feed: Vec<FeedRow> = pg
            .query(
                "SELECT seq, content_id, org_id, kind, item FROM feed ORDER BY seq",
                &[],
            )
            .expect("the feed")
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
            .collect();
        let next_seq: i64 = pg
            .query_one(
                "INSERT INTO feed (content_id, org_id, kind, item) VALUES ('new', 1, 'news', '{}')
                 RETURNING seq",
                &[],
            )
            .expect("a feed write")
            .get(0);
        let next_org: i64 = pg
            .query_one(
                "INSERT INTO orgs (name, path, created_at) VALUES ('新', '/', 0) RETURNING id",
                &[],
            )
            .expect("an org")
            .get(0);
        (pg_counts, pg_feed, next_seq, next_org, keys)
    })
    .join()
    .expect("the PostgreSQL checks");
    let copied: Vec<(String, i64)> = counts
        .iter()
        .filter(|(t, _)| t != "server_keys")
        .cloned()
        .collect();
    assert_eq!(pg_counts, copied, "every table's rows");
    assert_eq!(keys, ["submission", "tls_pin"], "the keys' public halves");
    assert_eq!(
        pg_feed, feed,
        "the feed's rows, seqs and items as they were"
    );
    let top_seq = feed.last().expect("a feed row").0;
    assert!(
        next_seq > top_seq,
        "the next seq ({next_seq}) is above {top_seq}"
    );
    assert!(
        next_org > by_count("orgs"),
        "the next org id ({next_org}) is above the copied ones"
    );

    // The kiosk keeps working: an instance on PostgreSQL with the data dir's keys, on the old
    // address, answers it (its pin, and the key its answers are sealed to, are the same); an
    // instance with keys of its own would be refused (e2e `shared_storage`).
    let moved = TestServer::start_with(|c| {
        c.listen = address;
        c.database = Some(db.url().to_owned().into());
        c.keys_dir = Some(dir.clone());
    })
    .await;
    assert_eq!(moved.fingerprint, pin);
    kiosk
        .engine
        .sync_now()
        .await
        .expect("the kiosk syncs on PostgreSQL");
    moved.stop().await.expect("stops");

    let again = migrate(&dir, db.url()).await.expect_err("a second copy");
    assert!(format!("{again:#}").contains("not empty"), "{again:#}");
    let nowhere = migrate(&dir, "postgres://nobody@127.0.0.1:1/none")
        .await
        .expect_err("no database there");
    assert!(
        format!("{nowhere:#}").contains("connecting to the PostgreSQL database"),
        "{nowhere:#}"
    );

    // A copy of the database that a changed build gave one more column, still open for writing
    // (as a running server keeps it).
    let changed = tempfile::tempdir().expect("a temp dir");
    let copy = changed.path().join("server.db");
    std::fs::copy(&file, &copy).expect("copying the database");
    let writer = rusqlite::Connection::open(&copy).expect("SQLite");
    writer
        .execute_batch("ALTER TABLE kiosks ADD COLUMN nickname TEXT")
        .expect("a new column");
    let empty = TestDb::create();
    let running = migrate(changed.path(), empty.url())
        .await
        .expect_err("a database being written");
    assert!(
        format!("{running:#}").contains("Stop the server first"),
        "{running:#}"
    );
    drop(writer);
    // Only open (as an idle server keeps it after a checkpoint): its `-wal` file empty.
    let reader = rusqlite::Connection::open(&copy).expect("SQLite");
    let n: i64 = reader
        .query_row("SELECT count(*) FROM kiosks", [], |r| r.get(0))
        .expect("a read");
    assert_eq!(n, 1);
    let open = migrate(changed.path(), empty.url())
        .await
        .expect_err("a database kept open");
    assert!(
        format!("{open:#}").contains("a process has it open"),
        "{open:#}"
    );
    drop(reader);
    let extra = migrate(changed.path(), empty.url())
        .await
        .expect_err("a column PostgreSQL lacks");
    assert!(
        format!("{extra:#}").contains("kiosks has a column PostgreSQL lacks, nickname"),
        "{extra:#}"
    );
    let url = empty.url().to_owned();
    let tables: i64 = std::thread::spawn(move || {
        Client::connect(&url, NoTls)
            .expect("connecting")
            .query_one(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
                &[],
            )
            .expect("the tables")
            .get(0)
    })
    .join()
    .expect("the PostgreSQL check");
    assert_eq!(tables, 0, "nothing copied, not even the schema");
}
