//! Fleet scale (issue 15): N simulated kiosks (the kiosk's own sync engine and store, enrolled
//! for real, each with its own TLS connections and event stream) against one server on
//! loopback, and how long a publish takes to reach every one of them.
//!
//! The server runs in this process (the same `Application` the binary runs, over real TLS), and
//! does nothing else of weight, so this process's CPU time and resident memory are the
//! server's. The kiosks run in `SWARM_PROCS` worker processes (this binary again), each far
//! below the file-descriptor limit; their stores live on /dev/shm (each real kiosk writes to its
//! own disk, not to this machine's one).
//!
//! Scale-out (issue 20): with `SWARM_INSTANCES=<n>` (n ≥ 2) the server is n instance processes
//! (this binary again, `tests::swarm::instances`) on one fresh database in the PostgreSQL test
//! cluster (`UNION_TEST_PG`, or the one `scripts/pg.sh` runs); kiosks are spread over the
//! instances, publishes alternate between them, and each instance's CPU and memory and the
//! database's CPU and connections are reported apart. The import measurement needs the server
//! in this process and is left out then.
//!
//! Run: `SWARM_KIOSKS=1000 cargo bench -p tests --bench swarm`. Knobs (environment):
//! `SWARM_KIOSKS` (1000), `SWARM_PROCS` (one per 2,500 kiosks), `SWARM_CITIES` (20),
//! `SWARM_BRANCHES` per city (5), `SWARM_RUNS` of each measurement (3), `SWARM_BURST` items
//! (200), `SWARM_IMPORT` library rows to one city (10,000), `SWARM_TIMEOUT` seconds a
//! measurement may wait (60), `SWARM_LOG` the kiosks' log filter on stderr (`kiosk::sync=info`).

use protocol::OrgId;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};
use tests::swarm::instances::{self, Instance};
use tests::swarm::{self, Fleet, Outcome, cpu_seconds_of, now_nanos, quantile};
use tests::{ADMIN, PASSWORD, Staff, TestServer};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if let Ok(db) = std::env::var(instances::DB_VAR) {
        instances::serve(&db);
    } else if let Ok(file) = std::env::var("SWARM_WORKER_FILE") {
        worker(&file);
    } else {
        coordinator();
    }
}

// ---------------------------------------------------------------- worker (kiosks)

/// Runs the kiosks listed in `file` (`org<TAB>enrollment string` per line), then answers the
/// coordinator's commands on stdin: `measure <seq> <t0> <timeout s> <orgs|*>` and `stop`.
fn worker(file: &str) {
    // The engine's own account of failed syncs and lost streams, on stderr (`SWARM_LOG`, a
    // tracing filter; `kiosk::sync=info` unless set).
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(
                std::env::var("SWARM_LOG").unwrap_or_else(|_| "kiosk::sync=info".to_owned()),
            )
            .expect("SWARM_LOG is a tracing filter"),
        )
        .init();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let text = std::fs::read_to_string(file).expect("worker file");
    let list: Vec<(OrgId, String)> = text
        .lines()
        .map(|l| {
            let (org, s) = l.split_once('\t').expect("org<TAB>string");
            (OrgId(org.parse().expect("org id")), s.to_owned())
        })
        .collect();
    let dir = swarm::store_dir();
    let out = std::io::stdout();
    let fleet = runtime.block_on(async {
        let fleet = Fleet::start(list, dir.path(), 32)
            .await
            .expect("kiosks enroll");
        let ready = fleet.ready(Duration::from_secs(600)).await;
        assert!(ready, "kiosks synced and listening");
        fleet
    });
    writeln!(out.lock(), "ready {}", fleet.len()).expect("stdout");
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin");
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["measure", seq, t0, timeout, orgs] => {
                let orgs: Option<HashSet<OrgId>> = (*orgs != "*").then(|| {
                    orgs.split(',')
                        .map(|o| OrgId(o.parse().expect("org id")))
                        .collect()
                });
                let outcome = runtime.block_on(fleet.measure(
                    seq.parse().expect("seq"),
                    t0.parse().expect("t0"),
                    orgs.as_ref(),
                    Duration::from_secs(timeout.parse().expect("timeout")),
                ));
                let json = serde_json::to_string(&outcome).expect("outcome serialises");
                writeln!(out.lock(), "outcome {json}").expect("stdout");
            }
            ["stop"] => break,
            other => panic!("unknown command {other:?}"),
        }
    }
    runtime.block_on(fleet.stop());
}

// ---------------------------------------------------------------- coordinator (server)

struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Worker {
    fn line(&mut self) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("worker stdout");
        assert!(!line.is_empty(), "worker ended early");
        line.trim_end().to_owned()
    }
}

/// The server side of a run: one server in this process on SQLite (the default), or
/// `SWARM_INSTANCES` instance processes on one PostgreSQL database.
enum Servers {
    Local(Box<TestServer>),
    Instances {
        list: Vec<Instance>,
        db: tests::pg::TestDb,
        _keys: tempfile::TempDir,
    },
}

impl Servers {
    fn start(runtime: &tokio::runtime::Runtime, count: usize) -> Servers {
        if count < 2 {
            return Servers::Local(Box::new(runtime.block_on(TestServer::start())));
        }
        let db = tests::pg::TestDb::create();
        let keys = tempfile::tempdir().expect("keys dir");
        let exe = std::env::current_exe().expect("own path");
        // The first one migrates the empty database, makes the keys, the root org and the admin.
        let mut list = vec![Instance::start(&exe, db.url(), keys.path(), true)];
        list.extend((1..count).map(|_| Instance::start(&exe, db.url(), keys.path(), false)));
        Servers::Instances {
            list,
            db,
            _keys: keys,
        }
    }

    fn count(&self) -> usize {
        match self {
            Servers::Local(_) => 1,
            Servers::Instances { list, .. } => list.len(),
        }
    }

    /// The root org, made as `sync-server init` does.
    fn init(&self, runtime: &tokio::runtime::Runtime) -> OrgId {
        match self {
            Servers::Local(server) => runtime.block_on(server.init()),
            Servers::Instances { list, .. } => list[0].root.expect("the first instance made it"),
        }
    }

    /// The admin signed in on each server.
    fn admins(&self, runtime: &tokio::runtime::Runtime) -> Vec<Staff> {
        match self {
            Servers::Local(server) => vec![runtime.block_on(server.login(ADMIN, PASSWORD))],
            Servers::Instances { list, .. } => list
                .iter()
                .map(|i| runtime.block_on(i.login(ADMIN)))
                .collect(),
        }
    }

    /// Each server process, as `/proc/<this>`.
    fn procs(&self) -> Vec<String> {
        match self {
            Servers::Local(_) => vec!["self".to_owned()],
            Servers::Instances { list, .. } => list.iter().map(|i| i.pid().to_string()).collect(),
        }
    }

    /// The feed's newest position.
    fn head(&self) -> u64 {
        match self {
            Servers::Local(server) => server.state.hub.announced(),
            Servers::Instances { db, .. } => instances::feed_head(db.url()),
        }
    }

    /// The database server's CPU seconds so far (SQLite's are the server's own).
    fn db_cpu(&self) -> f64 {
        match self {
            Servers::Local(_) => 0.0,
            Servers::Instances { .. } => instances::postgres_cpu_seconds(),
        }
    }

    /// A field of each server process's /proc status, in MiB (VmRSS, VmHWM).
    fn mib(&self, field: &str) -> Vec<u64> {
        self.procs()
            .iter()
            .map(|p| status_kb(p, field) / 1024)
            .collect()
    }

    fn describe(&self) -> String {
        match self {
            Servers::Local(_) => "one server in this process on SQLite".to_owned(),
            Servers::Instances { list, db, .. } => format!(
                "{} instance processes on one PostgreSQL database ({} connections open to it)",
                list.len(),
                instances::connections(db.url())
            ),
        }
    }

    fn stop(self, runtime: &tokio::runtime::Runtime) {
        match self {
            Servers::Local(server) => runtime.block_on(server.stop()).expect("server stops"),
            Servers::Instances { list, db, .. } => {
                for instance in list {
                    instance.stop();
                }
                drop(db);
            }
        }
    }
}

/// CPU time spent so far: by each server process, by the database server (PostgreSQL's
/// processes; nothing apart for SQLite), by the kiosks (the worker processes), and by the whole
/// machine (busy and all jiffies of /proc/stat's `cpu` line, at 100 Hz), so a herd's share of
/// each can be told apart.
#[derive(Clone)]
struct Cpu {
    servers: Vec<f64>,
    db: f64,
    kiosks: f64,
    busy: f64,
    all: f64,
}

impl Cpu {
    fn now(servers: &Servers, workers: &[Worker]) -> Cpu {
        let stat = std::fs::read_to_string("/proc/stat").expect("/proc/stat");
        let jiffies: Vec<f64> = stat
            .lines()
            .next()
            .expect("the cpu line")
            .split_whitespace()
            .skip(1)
            .map(|v| v.parse().expect("jiffies"))
            .collect();
        // user nice system idle iowait irq softirq steal ...: idle and iowait are not busy.
        let all: f64 = jiffies.iter().take(8).sum();
        let busy = all - jiffies[3] - jiffies[4];
        Cpu {
            servers: servers.procs().iter().map(|p| cpu_seconds_of(p)).collect(),
            db: servers.db_cpu(),
            kiosks: workers
                .iter()
                .map(|w| cpu_seconds_of(&w.child.id().to_string()))
                .sum(),
            busy: busy / 100.0,
            all: all / 100.0,
        }
    }

    fn since(self, before: Cpu) -> Cpu {
        Cpu {
            servers: self
                .servers
                .iter()
                .zip(&before.servers)
                .map(|(a, b)| a - b)
                .collect(),
            db: self.db - before.db,
            kiosks: self.kiosks - before.kiosks,
            busy: self.busy - before.busy,
            all: self.all - before.all,
        }
    }

    fn server(&self) -> f64 {
        self.servers.iter().sum()
    }

    /// Each instance's and the database's share, when there are instances.
    fn split(&self) -> String {
        if self.servers.len() < 2 {
            return String::new();
        }
        let each: Vec<String> = self.servers.iter().map(|s| format!("{s:.2}")).collect();
        format!(
            " (instances {} s; PostgreSQL {:.2} s)",
            each.join(" + "),
            self.db
        )
    }
}

/// A field of /proc/<pid>/status in kB (VmRSS, VmHWM); `pid` may be `self`.
fn status_kb(pid: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("/proc/<pid>/status")
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("status field")
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .expect("loadavg")
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn summary(label: &str, o: &mut Outcome, cpu: Cpu, extra: &str) {
    o.heard_ms.sort_by(f64::total_cmp);
    o.stored_ms.sort_by(f64::total_cmp);
    let herd = o.stored_ms.last().copied().unwrap_or(f64::NAN) / 1000.0;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    println!(
        "{label}: kiosks {} | heard {}/{} p50 {:.0} p99 {:.0} max {:.0} ms | stored {}/{} p50 {:.0} p99 {:.0} max {:.0} ms | \
         failures {} polled {} | notices {} | pages {} ({:.0}/s over the herd) | server CPU {:.2} s{} ({:.0} % of one core over {:.2} s) | \
         kiosks' CPU {:.2} s | machine {:.0} % busy of {cores} cores{extra} | load {}",
        o.kiosks,
        o.heard_ms.len(),
        o.kiosks,
        quantile(&o.heard_ms, 0.5),
        quantile(&o.heard_ms, 0.99),
        quantile(&o.heard_ms, 1.0),
        o.stored_ms.len(),
        o.kiosks,
        quantile(&o.stored_ms, 0.5),
        quantile(&o.stored_ms, 0.99),
        quantile(&o.stored_ms, 1.0),
        o.failures,
        o.polled,
        o.notices,
        o.pages,
        o.pages as f64 / herd,
        cpu.server(),
        cpu.split(),
        100.0 * cpu.server() / herd,
        herd,
        cpu.kiosks,
        100.0 * cpu.busy / cpu.all,
        load(),
    );
}

fn measure(
    workers: &mut [Worker],
    seq: u64,
    t0: u128,
    timeout: u64,
    orgs: Option<&[OrgId]>,
) -> Outcome {
    let orgs = orgs.map_or("*".to_owned(), |o| {
        o.iter()
            .map(|o| o.0.to_string())
            .collect::<Vec<_>>()
            .join(",")
    });
    for w in workers.iter_mut() {
        writeln!(w.stdin, "measure {seq} {t0} {timeout} {orgs}").expect("worker stdin");
    }
    let mut all = Outcome::default();
    for w in workers.iter_mut() {
        let line = w.line();
        let json = line.strip_prefix("outcome ").expect("an outcome");
        all.merge(serde_json::from_str(json).expect("outcome parses"));
    }
    all
}

/// The staff member's task: each content list's and each publish's time in milliseconds.
type StaffTimes = tokio::task::JoinHandle<(Vec<f64>, Vec<f64>)>;

/// A staff member working while the kiosks pull: from 100 ms after the publish, every 250 ms,
/// lists content and publishes at `quiet` (an org no kiosk is at), until `done` turns true.
/// Returns each list's and each publish's time in milliseconds.
fn staff_at_work(
    runtime: &tokio::runtime::Runtime,
    staff: std::sync::Arc<tests::Staff>,
    quiet: OrgId,
) -> (tokio::sync::watch::Sender<bool>, StaffTimes) {
    let (done, mut stop) = tokio::sync::watch::channel(false);
    let task = runtime.spawn(async move {
        let (mut lists, mut publishes) = (Vec::new(), Vec::new());
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut n = 0;
        while !*stop.borrow() {
            let t = Instant::now();
            let _: serde_json::Value = staff.get("v1/staff/content").await.expect("listed");
            lists.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            staff
                .publish(quiet, tests::news(&format!("部门通知 {n}")))
                .await
                .expect("published");
            publishes.push(t.elapsed().as_secs_f64() * 1000.0);
            n += 1;
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(250)) => {}
                _ = stop.changed() => {}
            }
        }
        (lists, publishes)
    });
    (done, task)
}

fn coordinator() {
    let kiosks = env("SWARM_KIOSKS", 1000) as usize;
    let procs = env("SWARM_PROCS", kiosks.div_ceil(2500) as u64).max(1) as usize;
    let cities = env("SWARM_CITIES", 20) as usize;
    let branches = env("SWARM_BRANCHES", 5) as usize;
    let runs = env("SWARM_RUNS", 3);
    let burst = env("SWARM_BURST", 200);
    let import_rows = env("SWARM_IMPORT", 10_000);
    let timeout = env("SWARM_TIMEOUT", 60);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let servers = Servers::start(&runtime, env("SWARM_INSTANCES", 1) as usize);
    let n = servers.count();
    let province = servers.init(&runtime);
    // The admin signed in on each server: kiosk `k` enrolls through (and so talks to) server
    // `k % n`, and publishes alternate between the servers.
    let admins = servers.admins(&runtime);
    let admin = &admins[0];
    let orgs = runtime.block_on(swarm::org_tree(admin, province, cities, branches));
    let t = Instant::now();
    let mut strings = Vec::with_capacity(kiosks);
    for (i, admin) in admins.iter().enumerate() {
        let count = (kiosks + n - 1 - i) / n;
        strings.extend(runtime.block_on(swarm::enrollments(admin, &orgs.branches(), count, 16)));
    }
    println!(
        "{kiosks} kiosks over {cities} cities × {branches} branches, {procs} worker processes, \
         {}; {kiosks} enrollment tokens in {:.1} s",
        servers.describe(),
        t.elapsed().as_secs_f64()
    );
    let files = tempfile::tempdir().expect("dir");
    let rss_before = servers.mib("VmRSS");
    let t = Instant::now();
    let mut workers: Vec<Worker> = (0..procs)
        .map(|p| {
            let path = files.path().join(format!("worker{p}.tsv"));
            let lines: String = strings
                .iter()
                .skip(p)
                .step_by(procs)
                .map(|(org, s)| format!("{}\t{s}\n", org.0))
                .collect();
            std::fs::write(&path, lines).expect("worker file");
            let mut child = Command::new(std::env::current_exe().expect("own path"))
                .env("SWARM_WORKER_FILE", &path)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("worker starts");
            Worker {
                stdin: child.stdin.take().expect("stdin"),
                stdout: BufReader::new(child.stdout.take().expect("stdout")),
                child,
            }
        })
        .collect();
    for w in &mut workers {
        let line = w.line();
        assert!(line.starts_with("ready"), "worker: {line}");
    }
    println!(
        "all {kiosks} kiosks enrolled, synced and listening in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    std::thread::sleep(Duration::from_secs(5));
    let rss_idle = servers.mib("VmRSS");
    let (before, idle): (u64, u64) = (rss_before.iter().sum(), rss_idle.iter().sum());
    println!(
        "server RSS: {before} MiB before the kiosks ({rss_before:?} per process), {idle} MiB with \
         {kiosks} idle streams ({rss_idle:?}): {:.1} KiB per kiosk | {} | load {}",
        (idle.saturating_sub(before) * 1024) as f64 / kiosks as f64,
        servers.describe(),
        load()
    );

    // A staff member at work while the kiosks pull: an org with no kiosk to publish at, so that
    // their publishes start no herd of their own.
    let staff: Vec<std::sync::Arc<Staff>> = servers
        .admins(&runtime)
        .into_iter()
        .map(std::sync::Arc::new)
        .collect();
    let quiet = runtime.block_on(admin.create_org(province, "无终端的部门"));
    for run in 1..=runs {
        let cpu = Cpu::now(&servers, &workers);
        let t0 = now_nanos();
        let on = run as usize % n;
        runtime
            .block_on(admins[on].publish(province, tests::news(&format!("集群测试 {run}"))))
            .expect("published");
        let seq = servers.head();
        let (done, at_work) = staff_at_work(&runtime, staff[on].clone(), quiet);
        let mut o = measure(&mut workers, seq, t0, timeout, None);
        let _ = done.send(true);
        let (mut lists, mut publishes) = runtime.block_on(at_work).expect("staff task");
        lists.sort_by(f64::total_cmp);
        publishes.sort_by(f64::total_cmp);
        summary(
            &format!("one publish on server {on}, run {run}"),
            &mut o,
            Cpu::now(&servers, &workers).since(cpu),
            &format!(
                " | staff in the herd: content list p50 {:.0} max {:.0} ms, publish p50 {:.0} max {:.0} ms ({} each)",
                quantile(&lists, 0.5),
                quantile(&lists, 1.0),
                quantile(&publishes, 0.5),
                quantile(&publishes, 1.0),
                lists.len()
            ),
        );
        std::thread::sleep(Duration::from_secs(3));
    }

    for run in 1..=runs {
        let cpu = Cpu::now(&servers, &workers);
        let t0 = now_nanos();
        let t = Instant::now();
        for i in 0..burst {
            let admin = &admins[i as usize % n];
            runtime
                .block_on(admin.publish(province, tests::news(&format!("成批 {run}-{i}"))))
                .expect("published");
        }
        let published = t.elapsed().as_secs_f64();
        let seq = servers.head();
        let mut o = measure(&mut workers, seq, t0, timeout, None);
        summary(
            &format!("burst of {burst} over {n} server(s), run {run}"),
            &mut o,
            Cpu::now(&servers, &workers).since(cpu),
            &format!(" | publishing took {published:.2} s"),
        );
        std::thread::sleep(Duration::from_secs(3));
    }

    let (city, city_branches) = orgs.cities[0].clone();
    let local = match &servers {
        Servers::Local(server) => Some(server),
        Servers::Instances { .. } => {
            println!("import measurement left out: the instances run in processes of their own");
            None
        }
    };
    for run in (1..=runs).filter(|_| local.is_some()) {
        let server = local.expect("filtered to a local server");
        let csv = files.path().join(format!("import{run}.csv"));
        sync_server::demo::catalog_gen::write_csv(
            std::fs::File::create(&csv).expect("csv"),
            import_rows,
            run,
            &HashSet::new(),
        )
        .expect("csv written");
        let cpu = Cpu::now(&servers, &workers);
        let t0 = now_nanos();
        let t = Instant::now();
        let report = runtime
            .block_on(sync_server::import::catalog::import(
                &server.state,
                sync_server::orgs::Actor::Operator,
                &csv,
                sync_server::import::catalog::Options {
                    org: city,
                    encoding: None,
                    sheet: None,
                    clc: None,
                    skip_invalid: false,
                    replace: false,
                    covers: None,
                },
                &sync_server::import::catalog::Quiet,
            ))
            .expect("import");
        assert!(report.imported, "the generated catalogue imports");
        let imported = t.elapsed().as_secs_f64();
        let seq = servers.head();
        let mut o = measure(&mut workers, seq, t0, timeout, Some(&city_branches));
        summary(
            &format!("import of {import_rows} rows to a city, run {run}"),
            &mut o,
            Cpu::now(&servers, &workers).since(cpu),
            &format!(" | the import took {imported:.2} s (latency counts from its start)"),
        );
        std::thread::sleep(Duration::from_secs(3));
    }

    for w in &mut workers {
        writeln!(w.stdin, "stop").expect("worker stdin");
    }
    for mut w in workers {
        let _ = w.child.wait();
    }
    println!(
        "server peak RSS {:?} MiB per process | {}",
        servers.mib("VmHWM"),
        servers.describe()
    );
    servers.stop(&runtime);
}
