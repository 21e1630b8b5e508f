//! Several server instances on one PostgreSQL database, for the fleet bench's scale-out runs
//! (issue 20). Each instance is a process of its own (the bench binary again, started with
//! [`DB_VAR`] set), so that each one's CPU time and resident memory can be read from `/proc`
//! apart from the kiosks' and the database's; the database is the test cluster's
//! (`tests::pg`), whose server processes' CPU time is read from `/proc` too.

use crate::{PASSWORD, Staff, TestServer};
use protocol::OrgId;
use protocol::enroll::Fingerprint;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use url::Url;

/// Set in an instance process: the database URL it serves from.
pub const DB_VAR: &str = "SWARM_INSTANCE_DB";
/// Set in an instance process: the keys dir every instance shares (docs/scale-out.md).
const KEYS_VAR: &str = "SWARM_INSTANCE_KEYS";
/// Set in the first instance process: it creates the root org and the admin before it is ready.
const INIT_VAR: &str = "SWARM_INSTANCE_INIT";

/// The instance process's whole life: a real server (`TestServer`, the binary's `Application`
/// over real TLS on loopback) on the database `db`, `ready <url> <fingerprint> <root org>` on
/// stdout once it answers, and a clean stop when `stop` arrives on stdin (or stdin closes).
pub fn serve(db: &str) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let keys = std::env::var_os(KEYS_VAR).expect("the coordinator sets the keys dir");
        let server = TestServer::start_with(|c| {
            c.database = Some(db.to_owned().into());
            c.keys_dir = Some(keys.into());
        })
        .await;
        let root = if std::env::var_os(INIT_VAR).is_some() {
            server.init().await.0
        } else {
            0
        };
        println!("ready {} {} {root}", server.url, server.fingerprint);
        tokio::task::spawn_blocking(|| {
            for line in std::io::stdin().lock().lines() {
                if line.map_or(true, |l| l.trim() == "stop") {
                    break;
                }
            }
        })
        .await
        .expect("the stdin reader ends");
        server.stop().await.expect("the instance stops cleanly");
    });
}

/// One instance process, seen from the bench's coordinator.
pub struct Instance {
    child: Child,
    stdin: ChildStdin,
    pub url: Url,
    pub fingerprint: Fingerprint,
    /// The root org, when this instance made it.
    pub root: Option<OrgId>,
}

impl Instance {
    /// Starts `exe` (the bench binary) as an instance on `db` with the shared `keys` dir; the
    /// first one (`init`) creates the root org and the admin. Returns once it answers.
    pub fn start(exe: &Path, db: &str, keys: &Path, init: bool) -> Instance {
        let mut command = Command::new(exe);
        command.env(DB_VAR, db).env(KEYS_VAR, keys);
        if init {
            command.env(INIT_VAR, "1");
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the instance process starts");
        let stdin = child.stdin.take().expect("stdin is piped");
        let mut stdout: BufReader<ChildStdout> =
            BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("instance stdout");
        let words: Vec<&str> = line.split_whitespace().collect();
        let ["ready", url, fingerprint, root] = words.as_slice() else {
            panic!("the instance did not start: {line:?}");
        };
        let root: i64 = root.parse().expect("root org id");
        Instance {
            url: url.parse().expect("the instance's URL"),
            fingerprint: fingerprint.parse().expect("the instance's fingerprint"),
            root: (root != 0).then_some(OrgId(root)),
            stdin,
            child,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Signs `username` in on this instance.
    pub async fn login(&self, username: &str) -> Staff {
        Staff::sign_in(&self.url, self.fingerprint, username, PASSWORD).await
    }

    /// Asks the instance to stop and waits for it.
    pub fn stop(mut self) {
        let _ = writeln!(self.stdin, "stop");
        let status = self.child.wait().expect("the instance process ends");
        assert!(status.success(), "the instance ended with {status}");
    }
}

/// The feed's newest position, read from the database itself (the instances' hubs live in
/// other processes).
pub fn feed_head(db: &str) -> u64 {
    let n: i64 = on_own_thread(db, |c| {
        c.query_one("SELECT coalesce(max(seq), 0) FROM feed", &[])
    })
    .get(0);
    u64::try_from(n).expect("feed positions are positive")
}

/// Connections the database server has open to `db` (every instance's pools and listeners).
pub fn connections(db: &str) -> i64 {
    on_own_thread(db, |c| {
        c.query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()",
            &[],
        )
    })
    .get(0)
}

/// CPU seconds (user + system) used so far by every PostgreSQL server process on this machine:
/// the test cluster is the only one the bench machine runs.
pub fn postgres_cpu_seconds() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    dir.filter_map(|e| {
        let stat = std::fs::read_to_string(e.ok()?.path().join("stat")).ok()?;
        let open = stat.find('(')?;
        let close = stat.rfind(')')?;
        (&stat[open + 1..close] == "postgres").then(|| super::cpu_seconds_in(&stat[close + 2..]))
    })
    .sum()
}

fn on_own_thread<T: Send + 'static>(
    db: &str,
    work: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error> + Send + 'static,
) -> T {
    crate::pg::on_own_thread(db, work).expect("the database answers")
}
