//! A server with the demo pack, loaded once in a test process and copied for each test. Loading
//! the demo draws and scales its covers and imports its catalogue, which costs seconds in the
//! dev profile; a copy of the stopped server's data dir costs milliseconds, and each test still
//! gets a server and a database of its own. On PostgreSQL (`UNION_TEST_BACKEND=postgres`) the
//! template's database is copied too, by the cluster (`CREATE DATABASE … TEMPLATE`); it stays in
//! the cluster as long as the test process runs (the next one drops it: `pg::TestDb`).

use crate::pg::TestDb;
use crate::{Staff, TestServer};
use std::path::Path;
use sync_server::Config;
use sync_server::demo::Loaded;
use tokio::sync::OnceCell;

/// A stopped demo server's data, kept for the life of the test process.
struct Template {
    data: tempfile::TempDir,
    config: Config,
    loaded: Loaded,
    /// Its PostgreSQL database, nobody connected to it, when the servers run on PostgreSQL.
    db: Option<TestDb>,
}

/// The generated catalogue's size in every demo server of the tests: one size, so the demo
/// (seconds of drawing and scaling covers) is loaded once per test process.
pub const CATALOGUE: u64 = 300;

static SQLITE_TEMPLATE: OnceCell<Template> = OnceCell::const_new();
static PG_TEMPLATE: OnceCell<Template> = OnceCell::const_new();

/// The demo template on SQLite or PostgreSQL, loaded by the first call for it.
async fn template(on_postgres: bool) -> &'static Template {
    let cell = if on_postgres {
        &PG_TEMPLATE
    } else {
        &SQLITE_TEMPLATE
    };
    cell.get_or_init(|| async {
        let server = if on_postgres {
            TestServer::start().await
        } else {
            TestServer::start_on_sqlite_with(|_| {}).await
        };
        let (_, loaded) = server.load_demo(CATALOGUE).await;
        let stopped = server.stop_keeping_data().await;
        if let Some(db) = &stopped.db {
            db.disconnect();
        }
        Template {
            config: stopped.config(),
            data: stopped.data,
            loaded,
            db: stopped.db,
        }
    })
    .await
}

impl TestServer {
    /// A fresh server with the demo pack and a generated catalogue of [`CATALOGUE`] items, and
    /// its administrator logged in. The first call loads the demo into a server of its own and
    /// stops it; every call starts a new server (own data dir, own port) on a copy.
    pub async fn demo() -> (TestServer, Staff, Loaded) {
        TestServer::demo_with(|_| {}).await
    }

    /// [`TestServer::demo`] with `tweak` applied to the copy's configuration.
    pub async fn demo_with(tweak: impl FnOnce(&mut Config)) -> (TestServer, Staff, Loaded) {
        TestServer::demo_from(template(crate::pg::servers_on_postgres()).await, tweak).await
    }

    /// [`TestServer::demo`] on SQLite whatever `UNION_TEST_BACKEND` says: for the tests that
    /// need what only SQLite has (the demo's anonymous survey, a SQLite file to move).
    pub async fn demo_on_sqlite() -> (TestServer, Staff, Loaded) {
        TestServer::demo_from(template(false).await, |_| {}).await
    }

    /// A fresh server on a copy of `template`, its configuration changed by `tweak`.
    async fn demo_from(
        template: &Template,
        tweak: impl FnOnce(&mut Config),
    ) -> (TestServer, Staff, Loaded) {
        let dir = tempfile::tempdir().expect("temp dir");
        copy_dir(template.data.path(), dir.path());
        let db = template.db.as_ref().map(TestDb::copy_of);
        let mut config = Config {
            listen: "127.0.0.1:0".parse().expect("valid address"),
            data_dir: Some(dir.path().to_path_buf()),
            database: db.as_ref().map(|db| db.url().to_owned().into()),
            ..template.config.clone()
        };
        tweak(&mut config);
        let server = TestServer::launch(config, dir, db).await;
        let admin = server
            .login(sync_server::demo::ADMIN, sync_server::demo::PASSWORD)
            .await;
        let l = &template.loaded;
        let loaded = Loaded {
            root: l.root,
            branch: l.branch,
            branch_name: l.branch_name.clone(),
            news: l.news,
            forms: l.forms,
            catalog_items: l.catalog_items,
        };
        (server, admin, loaded)
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a copy's directory");
    for entry in std::fs::read_dir(from).expect("read the template") {
        let entry = entry.expect("a template entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("its type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a template file");
        }
    }
}
