//! PostgreSQL for the tests (issue 20): the throwaway cluster `scripts/pg.sh` runs, and a fresh
//! empty database in it per test.
//!
//! `scripts/test.sh` starts the cluster before `cargo test`, exports its URL as `UNION_TEST_PG`
//! and stops it on exit. A developer running `cargo test -p tests` without that variable gets
//! the same cluster started by the test itself (`bash scripts/pg.sh start`, which then keeps
//! running for the next run; `bash scripts/pg.sh stop` ends it). The tests never install
//! PostgreSQL: when its server is missing they fail, saying to run `bash scripts/pg.sh start`
//! once (which installs Debian's `postgresql`).
//!
//! The `postgres` client is synchronous and runs its own runtime, which must not be entered
//! from inside a tokio runtime: [`TestDb`] creates and drops its database from a thread of its
//! own, so async tests may use it too.

use std::path::PathBuf;
use std::sync::OnceLock;

/// The variable `scripts/test.sh` sets to the cluster's URL.
pub const URL_VAR: &str = "UNION_TEST_PG";

/// The variable that picks the test servers' database: `postgres` runs every [`TestServer`]
/// on a fresh [`TestDb`]; unset or `sqlite`, on the SQLite file in its data dir.
///
/// [`TestServer`]: crate::TestServer
pub const BACKEND_VAR: &str = "UNION_TEST_BACKEND";

/// Whether `UNION_TEST_BACKEND=postgres` asks for test servers on PostgreSQL. Any value but
/// `postgres`, `sqlite` or none is refused, so a typo never silently tests SQLite.
pub fn servers_on_postgres() -> bool {
    match std::env::var(BACKEND_VAR).as_deref() {
        Ok("postgres") => true,
        Ok("sqlite" | "") | Err(std::env::VarError::NotPresent) => false,
        Ok(other) => panic!("{BACKEND_VAR}={other:?}: expected `postgres` or `sqlite`"),
        Err(e) => panic!("{BACKEND_VAR}: {e}"),
    }
}

/// The cluster's URL (`postgres://<user>@127.0.0.1:<port>/postgres`) from `UNION_TEST_PG`.
pub fn url() -> Option<String> {
    std::env::var(URL_VAR).ok().filter(|u| !u.is_empty())
}

/// The cluster's URL: `UNION_TEST_PG`, or else the cluster `scripts/pg.sh start` starts (or
/// finds running). Panics, saying what to do, when there is none.
pub fn cluster_url() -> String {
    static STARTED: OnceLock<Result<String, String>> = OnceLock::new();
    if let Some(url) = url() {
        return url;
    }
    match STARTED.get_or_init(start_cluster) {
        Ok(url) => url.clone(),
        Err(why) => panic!(
            "this test needs PostgreSQL: run `bash scripts/pg.sh start` (it installs Debian's \
             postgresql when missing) and `export {URL_VAR}=$(bash scripts/pg.sh url)`, or run \
             `bash scripts/test.sh`, which does both. Starting it from the test failed: {why}"
        ),
    }
}

fn start_cluster() -> Result<String, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = std::process::Command::new("bash")
        .arg("scripts/pg.sh")
        .arg("start")
        .env("UNION_PG_NO_INSTALL", "1")
        .current_dir(&root)
        .output()
        .map_err(|e| format!("running bash: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
    }
    let url = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    eprintln!(
        "{URL_VAR} not set: using the test cluster at {url} (`bash scripts/pg.sh stop` ends it)"
    );
    Ok(url)
}

/// A fresh, empty database in the test cluster, dropped with this value (any connections
/// still open to it are ended). What a killed test process left is dropped by the next one
/// (`sweep`), and stopping the cluster removes everything.
pub struct TestDb {
    cluster: String,
    name: String,
    url: String,
}

impl TestDb {
    /// Creates `t_<pid>_<random>` in the cluster. Panics when there is no cluster or it refuses.
    pub fn create() -> TestDb {
        let db = TestDb::named(&cluster_url());
        let statement = format!("CREATE DATABASE {}", db.name);
        on_own_thread(&db.cluster, move |client| client.batch_execute(&statement))
            .unwrap_or_else(|e| panic!("creating database {} in the test cluster: {e}", db.name));
        db
    }

    /// A new name `t_<this process's id>_<random>` in `cluster`, not created yet. The first in
    /// a process first drops what test processes that are gone left in the cluster.
    fn named(cluster: &str) -> TestDb {
        static SWEPT: OnceLock<()> = OnceLock::new();
        SWEPT.get_or_init(|| sweep(cluster));
        let name = format!("t_{}_{:016x}", std::process::id(), rand::random::<u64>());
        let (base, _) = cluster
            .rsplit_once('/')
            .expect("the cluster URL ends in /<database>");
        TestDb {
            url: format!("{base}/{name}"),
            cluster: cluster.to_owned(),
            name,
        }
    }

    /// A copy of `template` (`CREATE DATABASE … TEMPLATE`), made in the cluster without reading
    /// it through a connection. Nobody may be connected to `template` ([`TestDb::disconnect`]).
    pub fn copy_of(template: &TestDb) -> TestDb {
        let copy = TestDb::named(&template.cluster);
        let statement = format!("CREATE DATABASE {} TEMPLATE {}", copy.name, template.name);
        on_own_thread(&copy.cluster, move |client| {
            client.batch_execute(&statement)
        })
        .unwrap_or_else(|e| panic!("copying database {}: {e}", template.name));
        copy
    }

    /// Ends every connection to the database and waits until they are gone (a stopped server
    /// closes its pools on a thread of its own, so they may outlive it for a moment).
    pub fn disconnect(&self) {
        let name = self.name.clone();
        let ended = on_own_thread(&self.cluster, move |client| {
            for _ in 0..100 {
                let left: i64 = client
                    .query_one(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
                         WHERE datname = $1 AND pid <> pg_backend_pid()",
                        &[&name],
                    )?
                    .get(0);
                if left == 0 {
                    return Ok(true);
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Ok(false)
        });
        match ended {
            Ok(true) => {}
            Ok(false) => panic!("connections to {} did not end within 2 s", self.name),
            Err(e) => panic!("ending connections to {}: {e}", self.name),
        }
    }

    /// The database's URL, for `postgres::Client::connect` or a server's configuration.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let statement = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // A failed drop leaves an empty database behind until the cluster stops: not worth
        // failing a test for (and a panic here during another panic would abort).
        if let Err(e) = on_own_thread(&self.cluster, move |c| c.batch_execute(&statement)) {
            eprintln!("dropping test database {}: {e}", self.name);
        }
    }
}

/// Drops the test databases (`t_<pid>_<random>`) whose process is no longer running: a test
/// process that was killed, or a demo template, which lives as long as its process (a
/// developer's cluster keeps running between runs). The cluster is on this machine, so a
/// process id is this machine's.
fn sweep(cluster: &str) {
    let left = on_own_thread(cluster, |client| {
        let names: Vec<String> = client
            .query(
                "SELECT datname::text FROM pg_database WHERE datname LIKE 't\\_%'",
                &[],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let gone = names
            .into_iter()
            .filter(|name| match name.split('_').collect::<Vec<_>>()[..] {
                ["t", pid, _] => pid
                    .parse::<u32>()
                    .is_ok_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists()),
                _ => false,
            });
        for name in gone {
            client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
        }
        Ok(())
    });
    // What is left costs only disk until the next sweep: not worth failing a test for.
    if let Err(e) = left {
        eprintln!("dropping test databases left by earlier runs: {e}");
    }
}

/// Connects to `url` and runs `work` on a new thread (the `postgres` client blocks on a runtime
/// of its own, which panics inside another one).
pub(crate) fn on_own_thread<T: Send + 'static>(
    url: &str,
    work: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error> + Send + 'static,
) -> Result<T, postgres::Error> {
    let url = url.to_owned();
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls)?;
        work(&mut client)
    })
    .join()
    .expect("a PostgreSQL test thread panicked")
}
