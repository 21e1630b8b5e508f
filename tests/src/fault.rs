//! The fault harness and its oracle (issue 16): the real `sync-server` binary and headless kiosks
//! (`fault-kiosk`, the kiosk library's own `Core` and sync engine) in processes of their own,
//! put through random faults cycle after cycle, then checked against what should exist.
//!
//! Faults, one kind per cycle, chosen by a seeded generator while submissions are made at the
//! kiosks (through `Core::submit`) and staff publish, edit, unpublish and move kiosks:
//! - `kiosk_kill`: SIGKILL a kiosk at a random moment, start it again;
//! - `server_kill`: SIGKILL the server while submissions commit and staff publish, start it again
//!   on the same data and port;
//! - `net_*`: the kiosks' network (a TCP proxy between them and the server, in both directions,
//!   for requests and for the event stream) delays, resets connections, cuts them after a random
//!   number of bytes, swallows them, or refuses them (offline);
//! - `disk_full`: a kiosk's data dir (its own tmpfs) is filled to the last byte while a new image
//!   is published, then freed;
//! - `server_disk_full`: the same for the server's data dir while kiosks submit and staff
//!   publish.
//!
//! The oracle, once faults stop and the system settles: every submission a kiosk confirmed (a
//! receipt shown) is on the server exactly once with identical answers; nothing is on the server
//! that no kiosk was asked to create; each kiosk's cache holds exactly what a kiosk enrolled
//! afresh at its org receives (same ids, same versions, its cursor at the head), with every image it needs
//! present and matching its hash; no kiosk is left with anything in its outbox.

use kiosk::net::pinned_tls_config;
use protocol::staff::{ContentRecord, EnrollmentTokenCreated, LoginResponse, MediaUploaded};
use protocol::submission::FormAnswers;
use protocol::workflow::{SubmissionDetail, SubmissionSummary};
use protocol::{ContentId, ContentKind, Fingerprint, OrgId};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use url::Url;

const ADMIN: &str = "admin";
const PASSWORD: &str = "fault-harness-password";

/// What a run does.
#[derive(Debug, Clone)]
pub struct Options {
    pub seed: u64,
    pub cycles: u32,
    /// Where `sync-server` and `fault-kiosk` are (a cargo profile's output directory).
    pub bin_dir: PathBuf,
    /// Print a line per cycle to stderr.
    pub verbose: bool,
}

impl Options {
    /// The directory of the binaries built beside the running one (tests run from `deps/`).
    pub fn bin_dir_of_current_exe() -> PathBuf {
        let exe = std::env::current_exe().expect("the running binary's path");
        let dir = exe.parent().expect("a binary lives in a directory");
        if dir.file_name().is_some_and(|n| n == "deps") {
            dir.parent().expect("deps has a parent").to_path_buf()
        } else {
            dir.to_path_buf()
        }
    }
}

/// The fault kinds, in the order a report lists them.
pub const KINDS: [&str; 10] = [
    "kiosk_kill",
    "server_kill",
    "net_delay",
    "net_reset",
    "net_cut",
    "net_swallow",
    "net_offline",
    "disk_full",
    "server_disk_full",
    "staff_only",
];

/// What a run did and what the oracle found.
#[derive(Debug, Default)]
pub struct Report {
    pub seed: u64,
    pub cycles: u32,
    pub faults: BTreeMap<&'static str, u32>,
    /// Submissions asked of the kiosks.
    pub requested: usize,
    /// Receipts shown.
    pub confirmed: usize,
    /// Submissions the kiosk said it could not save (full disk): no receipt shown.
    pub not_saved: usize,
    /// What the kiosks said when they did not save, and how often.
    pub not_saved_because: BTreeMap<String, usize>,
    /// Submissions on the server at the end.
    pub on_server: usize,
    pub staff_actions: usize,
    /// Kiosks revoked and replaced by a new one at the same org.
    pub revoked: usize,
    /// Receipts shown by a kiosk that was revoked before it could deliver them: they stay in
    /// the old kiosk's outbox (its credentials are no longer accepted), by design.
    pub stranded: Vec<String>,
    pub lost: Vec<String>,
    pub duplicated: Vec<String>,
    pub unknown: Vec<String>,
    pub diverged: Vec<String>,
}

impl Report {
    pub fn clean(&self) -> bool {
        self.lost.is_empty()
            && self.duplicated.is_empty()
            && self.unknown.is_empty()
            && self.diverged.is_empty()
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "seed {} · {} cycles", self.seed, self.cycles)?;
        let faults: Vec<String> = KINDS
            .iter()
            .map(|k| format!("{k} {}", self.faults.get(k).copied().unwrap_or(0)))
            .collect();
        writeln!(f, "faults: {}", faults.join(", "))?;
        writeln!(
            f,
            "submissions: {} asked, {} confirmed with a receipt, {} refused to save, {} on the server; {} staff actions, {} kiosks revoked and replaced ({} receipts stranded in a revoked kiosk)",
            self.requested,
            self.confirmed,
            self.not_saved,
            self.on_server,
            self.staff_actions,
            self.revoked,
            self.stranded.len()
        )?;
        writeln!(
            f,
            "lost {} · duplicated {} · unknown {} · diverged {}",
            self.lost.len(),
            self.duplicated.len(),
            self.unknown.len(),
            self.diverged.len()
        )?;
        for (why, n) in &self.not_saved_because {
            writeln!(f, "  not saved ({n}): {why}")?;
        }
        for (what, list) in [
            ("lost", &self.lost),
            ("duplicated", &self.duplicated),
            ("unknown", &self.unknown),
            ("diverged", &self.diverged),
        ] {
            for line in list.iter().take(20) {
                writeln!(f, "  {what}: {line}")?;
            }
        }
        Ok(())
    }
}

/// Runs the harness: `cycles` cycles of faults from `seed`, then the oracle.
pub async fn run(options: Options) -> Report {
    let mut world = World::start(&options).await;
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let mut report = Report {
        seed: options.seed,
        cycles: options.cycles,
        ..Report::default()
    };
    for cycle in 0..options.cycles {
        let kind = *KINDS.choose(&mut rng).expect("kinds");
        *report.faults.entry(kind).or_default() += 1;
        if options.verbose {
            eprintln!("cycle {cycle}: {kind}");
        }
        world.cycle(cycle, kind, &mut rng, &mut report).await;
    }
    world.settle_and_check(&mut report).await;
    report
}

/// The network between the kiosks and the server: a TCP relay (TLS passes through it untouched)
/// that misbehaves on demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Net {
    Pass,
    /// Every chunk waits 20–300 ms.
    Delay,
    /// Connections close at once, after the client connected.
    Reset,
    /// A connection closes after a random number of bytes in one direction (mid-handshake,
    /// mid-request, mid-response or mid-stream).
    Cut,
    /// Connections are accepted and nothing is relayed until the mode changes.
    Swallow,
    /// Nothing listens: connections are refused.
    Offline,
}

struct NetProxy {
    addr: std::net::SocketAddr,
    mode: watch::Sender<(Net, u64)>,
    task: tokio::task::JoinHandle<()>,
}

impl NetProxy {
    async fn start(upstream: std::net::SocketAddr) -> NetProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let (mode, modes) = watch::channel((Net::Pass, 0u64));
        let task = tokio::spawn(async move {
            let mut connection = 0u64;
            while let Ok((client, _)) = listener.accept().await {
                connection += 1;
                let modes = modes.clone();
                tokio::spawn(relay(client, upstream, modes, connection));
            }
        });
        NetProxy { addr, mode, task }
    }

    /// Changes the mode and ends every open connection (the event streams too).
    fn set(&self, net: Net) {
        self.mode.send_modify(|(mode, generation)| {
            *mode = net;
            *generation += 1;
        });
    }
}

impl Drop for NetProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(
    client: TcpStream,
    upstream: std::net::SocketAddr,
    mut modes: watch::Receiver<(Net, u64)>,
    connection: u64,
) {
    let (mode, generation) = *modes.borrow_and_update();
    let mut rng = ChaCha8Rng::seed_from_u64(generation * 1_000_003 + connection);
    match mode {
        Net::Offline | Net::Reset => return,
        Net::Swallow => {
            let _ = modes.changed().await;
            return;
        }
        Net::Pass | Net::Delay | Net::Cut => {}
    }
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let delay = (mode == Net::Delay).then(|| Duration::from_millis(rng.random_range(20..300)));
    let (up_budget, down_budget) = if mode == Net::Cut {
        let budget = Some(rng.random_range(0..6000usize));
        if rng.random_bool(0.5) {
            (budget, None)
        } else {
            (None, budget)
        }
    } else {
        (None, None)
    };
    tokio::select! {
        () = pipe(client_read, server_write, up_budget, delay) => {}
        () = pipe(server_read, client_write, down_budget, delay) => {}
        _ = modes.changed() => {}
    }
}

async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut budget: Option<usize>,
    delay: Option<Duration>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let n = match budget.as_mut() {
            Some(left) => {
                let n = n.min(*left);
                *left -= n;
                n
            }
            None => n,
        };
        if let Some(d) = delay {
            tokio::time::sleep(d).await;
        }
        if to.write_all(&buf[..n]).await.is_err() || budget == Some(0) {
            break;
        }
    }
    // Keep the other direction going until it ends too (a half-closed HTTP exchange).
    if budget.is_none() {
        let _ = to.shutdown().await;
        std::future::pending::<()>().await;
    }
}

/// The real server binary on a fixed port and data dir.
struct Server {
    bin: PathBuf,
    config: PathBuf,
    data: PathBuf,
    ballast: PathBuf,
    direct: Url,
    pin: Fingerprint,
    child: Option<Child>,
}

/// `sync-server` with the harness's config and data dir, quiet.
fn server_command(bin: &Path, config: &Path, data: &Path) -> Command {
    let mut cmd = Command::new(bin);
    cmd.arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(data)
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    // FAULT_SERVER_LOG=FILE keeps what the server logs (errors), across its restarts.
    match std::env::var_os("FAULT_SERVER_LOG").and_then(|path| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()
    }) {
        Some(log) => cmd.stderr(log),
        None => cmd.stderr(Stdio::null()),
    };
    cmd
}

impl Server {
    fn command(&self) -> Command {
        server_command(&self.bin, &self.config, &self.data)
    }

    async fn start(&mut self) {
        let http = http(self.pin);
        for _ in 0..5 {
            let child = self
                .command()
                .arg("serve")
                .spawn()
                .expect("sync-server starts");
            self.child = Some(child);
            let up = tokio::time::timeout(Duration::from_secs(15), async {
                loop {
                    if http
                        .get(self.direct.join("v1/health").expect("url"))
                        .send()
                        .await
                        .is_ok_and(|r| r.status().is_success())
                    {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
            .await;
            if up.is_ok() {
                return;
            }
            // The port may still be held by the killed process's sockets for a moment.
            self.kill();
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("the server did not come up on {}", self.direct);
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// How it ended, if it exited on its own.
    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.as_mut()?.try_wait().ok().flatten()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn http(pin: Fingerprint) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_backend_preconfigured(pinned_tls_config(pin))
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client builds")
}

/// A headless kiosk process, its data dir on a tmpfs of its own, and what it said.
struct Kiosk {
    name: String,
    bin: PathBuf,
    dir: PathBuf,
    org: OrgId,
    child: Option<(Child, ChildStdin)>,
    replies: Arc<Mutex<Vec<serde_json::Value>>>,
    ballast: PathBuf,
}

impl Kiosk {
    fn start(&mut self) {
        let mut child = Command::new(&self.bin)
            .arg(&self.dir)
            .arg("run")
            .env("RUST_LOG", "error")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("fault-kiosk starts");
        let stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let replies = self.replies.clone();
        let (ready, readied) = mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let value: serde_json::Value =
                    serde_json::from_str(&line).expect("fault-kiosk writes JSON lines");
                if value.get("ready").is_some() {
                    let _ = ready.send(());
                } else {
                    replies.lock().expect("replies").push(value);
                }
            }
        });
        // It answers once its store is open; a kiosk that cannot open its store (a full disk)
        // still counts as started: the harness will find out at the end.
        let _ = readied.recv_timeout(Duration::from_secs(10));
        self.child = Some((child, stdin));
    }

    fn kill(&mut self) {
        if let Some((mut child, _)) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn alive(&mut self) -> bool {
        match self.child.as_mut() {
            Some((child, _)) => child.try_wait().ok().flatten().is_none(),
            None => false,
        }
    }

    /// Asks for a submission; false when the kiosk is not running to hear it.
    fn submit(&mut self, request: &serde_json::Value) -> bool {
        match self.child.as_mut() {
            Some((_, stdin)) => writeln!(stdin, "{request}")
                .and_then(|()| stdin.flush())
                .is_ok(),
            None => false,
        }
    }
}

/// Fills the filesystem `ballast` is on to the last byte.
pub fn fill_disk(ballast: &Path) {
    let mut file = std::fs::File::create(ballast).expect("ballast file");
    let chunk = vec![0xA5u8; 256 * 1024];
    while file.write_all(&chunk).is_ok() {}
    let small = [0u8; 512];
    while file.write_all(&small).is_ok() {}
}

pub fn free_disk(ballast: &Path) {
    let _ = std::fs::remove_file(ballast);
}

impl Drop for Kiosk {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A tmpfs mounted for the life of the value.
pub struct Tmpfs(PathBuf);

impl Tmpfs {
    pub fn mount(at: &Path, megabytes: u32) -> Tmpfs {
        std::fs::create_dir_all(at).expect("mount point");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(at)
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "the fault harness mounts a small tmpfs per kiosk to fill its disk; that needs root \
             (CI runs as root): mount exited with {status}"
        );
        Tmpfs(at.to_path_buf())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// A staff session straight to the server (not through the kiosks' network).
struct StaffApi {
    http: reqwest::Client,
    base: Url,
    token: String,
}

impl StaffApi {
    async fn login(base: &Url, pin: Fingerprint) -> StaffApi {
        let http = http(pin);
        let resp: LoginResponse = http
            .post(base.join("v1/staff/login").expect("url"))
            .json(&serde_json::json!({ "username": ADMIN, "password": PASSWORD }))
            .send()
            .await
            .expect("login reaches the server")
            .error_for_status()
            .expect("login succeeds")
            .json()
            .await
            .expect("login answer");
        StaffApi {
            http,
            base: base.clone(),
            token: resp.token,
        }
    }

    /// A request's JSON answer, or None when it failed (the server may be down mid-cycle).
    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Option<T> {
        let mut req = self
            .http
            .request(method, self.base.join(path).expect("url"))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await.ok()?.error_for_status().ok()?;
        let text = resp.text().await.ok()?;
        serde_json::from_str(if text.is_empty() { "null" } else { &text }).ok()
    }

    /// Like `send`, retried until it succeeds: for setup and for the oracle, when the server
    /// is up.
    async fn must<T: serde::de::DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> T {
        for _ in 0..50 {
            if let Some(t) = self.send(method.clone(), path, body).await {
                return t;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{method} {path} kept failing");
    }

    async fn upload(&self, png: Vec<u8>) -> Option<MediaUploaded> {
        let part = reqwest::multipart::Part::bytes(png).file_name("cover.png");
        let form = reqwest::multipart::Form::new().part("file", part);
        let resp = self
            .http
            .post(self.base.join("v1/staff/media").expect("url"))
            .bearer_auth(&self.token)
            .multipart(form)
            .send()
            .await
            .ok()?
            .error_for_status()
            .ok()?;
        resp.json().await.ok()
    }
}

struct World {
    _root: tempfile::TempDir,
    server: Server,
    proxy: NetProxy,
    staff: StaffApi,
    kiosks: Vec<Kiosk>,
    _disks: Vec<Tmpfs>,
    branches: [OrgId; 2],
    form: ContentId,
    /// Every submission asked for: tag → answers.
    asked: HashMap<String, FormAnswers>,
    /// News published by the harness.
    news: Vec<ContentId>,
    /// Submission ids left in the outbox of a kiosk when it was revoked.
    stranded: std::collections::HashSet<String>,
    kiosk_bin: PathBuf,
}

/// Enrolls a new headless kiosk in `data` at `org`, as branch IT would with `kiosk enroll`.
async fn enroll(staff: &StaffApi, bin: &Path, data: &Path, org: OrgId) {
    let token: EnrollmentTokenCreated = staff
        .must(
            reqwest::Method::POST,
            "v1/staff/enrollment-tokens",
            Some(&serde_json::json!({ "org_id": org })),
        )
        .await;
    let enrolled = Command::new(bin)
        .arg(data)
        .arg("enroll")
        .arg(&token.enrollment_string)
        .stdout(Stdio::null())
        .status()
        .expect("fault-kiosk enroll runs");
    assert!(enrolled.success(), "a kiosk enrolls at {org:?}: {enrolled}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn form_body() -> serde_json::Value {
    serde_json::json!({
        "kind": "form", "title": "意见建议",
        "fields": [
            {"key": "name", "label": "姓名", "type": "text", "required": true},
            {"key": "phone", "label": "手机号码", "type": "phone", "required": true},
            {"key": "note", "label": "内容", "type": "text", "required": true}
        ]
    })
}

fn write(org: OrgId, body: serde_json::Value) -> serde_json::Value {
    serde_json::json!({ "org_id": org, "published": true, "body": body })
}

fn news_body(title: &str, cover: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "kind": "news", "title": title, "summary": format!("{title}的摘要"),
        "body_markdown": format!("# {title}\n\n正文。"), "cover": cover,
        "images": [], "category": "union_news", "pinned": false
    })
}

impl World {
    async fn start(options: &Options) -> World {
        let root = tempfile::tempdir().expect("temp dir");
        let server_bin = options.bin_dir.join("sync-server");
        let kiosk_bin = options.bin_dir.join("fault-kiosk");
        for bin in [&server_bin, &kiosk_bin] {
            assert!(bin.exists(), "{} is not built", bin.display());
        }
        let port = free_port();
        let upstream = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let proxy = NetProxy::start(upstream).await;
        let config = root.path().join("server.toml");
        // SQLite whatever UNION_TEST_BACKEND says: the harness fills the database's own disk.
        std::fs::write(
            &config,
            format!(
                "listen = \"127.0.0.1:{port}\"\npublic_url = \"https://127.0.0.1:{}/\"\n",
                proxy.addr.port()
            ),
        )
        .expect("server config");
        let disk = root.path().join("server");
        let server_disk = Tmpfs::mount(&disk, 64);
        let data = disk.join("data");
        let init = server_command(&server_bin, &config, &data)
            .args(["init", "--org", "测试省总工会", "--admin", ADMIN])
            .arg("--password")
            .arg(PASSWORD)
            .status()
            .expect("sync-server init runs");
        assert!(init.success(), "sync-server init: {init}");
        let out = server_command(&server_bin, &config, &data)
            .arg("fingerprint")
            .stdout(Stdio::piped())
            .output()
            .expect("sync-server fingerprint runs");
        let pin = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("the fingerprint parses");
        let mut server = Server {
            bin: server_bin,
            config,
            data,
            ballast: disk.join("ballast"),
            direct: Url::parse(&format!("https://127.0.0.1:{port}/")).expect("url"),
            pin,
            child: None,
        };
        server.start().await;
        let staff = StaffApi::login(&server.direct, server.pin).await;
        let me: serde_json::Value = staff.must(reqwest::Method::GET, "v1/staff/me", None).await;
        let root_org = OrgId(me["org_id"].as_i64().expect("org id"));
        let org =
            |parent: OrgId, name: &str| serde_json::json!({ "parent_id": parent, "name": name });
        let city: serde_json::Value = staff
            .must(
                reqwest::Method::POST,
                "v1/staff/orgs",
                Some(&org(root_org, "测试市总工会")),
            )
            .await;
        let city = OrgId(city["id"].as_i64().expect("id"));
        let mut branches = [OrgId(0); 2];
        for (i, b) in branches.iter_mut().enumerate() {
            let made: serde_json::Value = staff
                .must(
                    reqwest::Method::POST,
                    "v1/staff/orgs",
                    Some(&org(city, &format!("测试网点{}", i + 1))),
                )
                .await;
            *b = OrgId(made["id"].as_i64().expect("id"));
        }
        // The form is the city's, so it stays in scope when a kiosk moves between its branches.
        let form: ContentRecord = staff
            .must(
                reqwest::Method::POST,
                "v1/staff/content",
                Some(&write(city, form_body())),
            )
            .await;
        let mut kiosks = Vec::new();
        let mut disks = vec![server_disk];
        for (i, branch) in branches.iter().enumerate() {
            let dir = root.path().join(format!("kiosk{i}"));
            disks.push(Tmpfs::mount(&dir, 24));
            let data = dir.join("data");
            enroll(&staff, &kiosk_bin, &data, *branch).await;
            let mut kiosk = Kiosk {
                name: format!("kiosk{i}"),
                bin: kiosk_bin.clone(),
                dir: data,
                org: *branch,
                child: None,
                replies: Arc::default(),
                ballast: dir.join("ballast"),
            };
            kiosk.start();
            kiosks.push(kiosk);
        }
        World {
            _root: root,
            server,
            proxy,
            staff,
            kiosks,
            _disks: disks,
            branches,
            form: form.item.id,
            asked: HashMap::new(),
            news: Vec::new(),
            stranded: Default::default(),
            kiosk_bin,
        }
    }

    fn submit(&mut self, cycle: u32, n: usize, rng: &mut ChaCha8Rng, report: &mut Report) {
        let k = rng.random_range(0..self.kiosks.len());
        let tag = format!("c{cycle}-{n}-{}", rng.random_range(0..1_000_000u32));
        let answers = FormAnswers {
            answers: [
                ("name".to_owned(), serde_json::json!(format!("职工{n}"))),
                (
                    "phone".to_owned(),
                    serde_json::json!(format!("139{:08}", rng.random_range(0..100_000_000u32))),
                ),
                ("note".to_owned(), serde_json::json!(tag.clone())),
            ]
            .into(),
        };
        let request = serde_json::json!({
            "tag": tag, "form": self.form, "version": 1, "answers": answers,
        });
        if self.kiosks[k].submit(&request) {
            report.requested += 1;
            self.asked.insert(tag, answers);
        }
    }

    /// One staff action: publish news (sometimes with a new image), edit or unpublish one, or
    /// move a kiosk to the other branch. Its outcome is not recorded: the oracle compares with
    /// what the server holds at the end.
    async fn staff_action(&mut self, cycle: u32, rng: &mut ChaCha8Rng) {
        let branch = *self.branches.choose(rng).expect("branches");
        match rng.random_range(0..10) {
            0..=3 => {
                let title = format!("第{cycle}期通知");
                let record: Option<ContentRecord> = self
                    .staff
                    .send(
                        reqwest::Method::POST,
                        "v1/staff/content",
                        Some(&write(branch, news_body(&title, None))),
                    )
                    .await;
                if let Some(r) = record {
                    self.news.push(r.item.id);
                }
            }
            4..=5 => {
                let png = crate::png(40 + cycle % 300, 30 + rng.random_range(0..200));
                let Some(uploaded) = self.staff.upload(png).await else {
                    return;
                };
                let title = format!("第{cycle}期图片新闻");
                let record: Option<ContentRecord> = self
                    .staff
                    .send(
                        reqwest::Method::POST,
                        "v1/staff/content",
                        Some(&write(
                            branch,
                            news_body(&title, Some(uploaded.display.sha256.as_str())),
                        )),
                    )
                    .await;
                if let Some(r) = record {
                    self.news.push(r.item.id);
                }
            }
            6 => {
                if let Some(id) = self.news.choose(rng).cloned() {
                    let title = format!("第{cycle}期更正");
                    let _: Option<ContentRecord> = self
                        .staff
                        .send(
                            reqwest::Method::PUT,
                            &format!("v1/staff/content/{id}"),
                            Some(&write(branch, news_body(&title, None))),
                        )
                        .await;
                }
            }
            7..=8 => {
                if let Some(id) = self.news.choose(rng).cloned() {
                    let _: Option<serde_json::Value> = self
                        .staff
                        .send(
                            reqwest::Method::POST,
                            &format!("v1/staff/content/{id}/unpublish"),
                            None,
                        )
                        .await;
                }
            }
            _ => {
                let k = rng.random_range(0..self.kiosks.len());
                let to = if self.kiosks[k].org == self.branches[0] {
                    self.branches[1]
                } else {
                    self.branches[0]
                };
                let id = self.kiosk_id(k);
                let moved: Option<serde_json::Value> = self
                    .staff
                    .send(
                        reqwest::Method::POST,
                        &format!("v1/staff/kiosks/{id}/move"),
                        Some(&serde_json::json!({ "org_id": to })),
                    )
                    .await;
                if moved.is_some() {
                    self.kiosks[k].org = to;
                }
            }
        }
    }

    /// Staff revoke kiosk `k` (a stolen or retired screen) and branch IT put a new one at the
    /// same org. What the old one had not delivered stays in its outbox: the server no longer
    /// accepts its credentials.
    async fn revoke_and_replace(&mut self, k: usize, cycle: u32, report: &mut Report) {
        let id = self.kiosk_id(k);
        let revoked: Option<serde_json::Value> = self
            .staff
            .send(
                reqwest::Method::POST,
                &format!("v1/staff/kiosks/{id}/revoke"),
                None,
            )
            .await;
        if revoked.is_none() {
            return;
        }
        report.revoked += 1;
        let kiosk = &mut self.kiosks[k];
        kiosk.kill();
        let pending = kiosk::store::Store::open(&kiosk.dir)
            .and_then(|s| s.all_pending())
            .expect("the revoked kiosk's outbox reads");
        self.stranded
            .extend(pending.into_iter().map(|p| p.upload.id));
        std::fs::remove_dir_all(&kiosk.dir).expect("the old kiosk's data goes");
        let disk = kiosk.ballast.parent().expect("the disk").to_path_buf();
        kiosk.dir = disk.join(format!("data-{cycle}"));
        let (org, dir) = (kiosk.org, kiosk.dir.clone());
        enroll(&self.staff, &self.kiosk_bin, &dir, org).await;
        self.kiosks[k].start();
    }

    fn kiosk_id(&self, k: usize) -> String {
        let store = kiosk::store::Store::open(&self.kiosks[k].dir).expect("the kiosk's store");
        store
            .enrollment()
            .expect("enrollment reads")
            .expect("enrolled")
            .kiosk_id
            .to_string()
    }

    async fn cycle(
        &mut self,
        cycle: u32,
        kind: &'static str,
        rng: &mut ChaCha8Rng,
        report: &mut Report,
    ) {
        let net = match kind {
            "net_delay" => Net::Delay,
            "net_reset" => Net::Reset,
            "net_cut" => Net::Cut,
            "net_swallow" => Net::Swallow,
            "net_offline" => Net::Offline,
            _ => Net::Pass,
        };
        if net != Net::Pass {
            self.proxy.set(net);
        }
        let victim = rng.random_range(0..self.kiosks.len());
        match kind {
            "disk_full" => fill_disk(&self.kiosks[victim].ballast),
            "server_disk_full" => fill_disk(&self.server.ballast),
            _ => {}
        }
        let submissions = rng.random_range(0..4);
        for n in 0..submissions {
            self.submit(cycle, n, rng, report);
        }
        let before_fault = Duration::from_millis(rng.random_range(0..400));
        match kind {
            "server_kill" => {
                // Staff publish while the server dies under them.
                let staff = self.staff_action(cycle, rng);
                let kill = async { tokio::time::sleep(before_fault).await };
                let ((), ()) = tokio::join!(staff, kill);
                self.server.kill();
                self.server.start().await;
            }
            "kiosk_kill" => {
                self.staff_action(cycle, rng).await;
                tokio::time::sleep(before_fault).await;
                self.kiosks[victim].kill();
                self.kiosks[victim].start();
            }
            "staff_only" if rng.random_bool(0.5) => {
                self.revoke_and_replace(victim, cycle, report).await;
                tokio::time::sleep(before_fault).await;
            }
            _ => {
                self.staff_action(cycle, rng).await;
                tokio::time::sleep(before_fault + Duration::from_millis(300)).await;
            }
        }
        report.staff_actions += 1;
        free_disk(&self.kiosks[victim].ballast);
        free_disk(&self.server.ballast);
        if net != Net::Pass {
            self.proxy.set(Net::Pass);
        }
        // Nothing here stops the server: if it exited, that is a finding (and it is started
        // again, as systemd would, so the run goes on).
        if let Some(status) = self.server.exited() {
            report.diverged.push(format!(
                "cycle {cycle} ({kind}): the server exited by itself: {status}"
            ));
            self.server.start().await;
        }
        // A kiosk that died on its own (a full disk while it started, say) is started again,
        // as systemd would.
        for k in &mut self.kiosks {
            if !k.alive() {
                k.start();
            }
        }
    }

    /// Faults off; waits until every kiosk has delivered its outbox and holds what a fresh
    /// kiosk at its org would; then checks the submissions.
    async fn settle_and_check(&mut self, report: &mut Report) {
        self.proxy.set(Net::Pass);
        free_disk(&self.server.ballast);
        for k in &mut self.kiosks {
            free_disk(&k.ballast);
            if !k.alive() {
                k.start();
            }
        }
        let refs = self.references().await;
        let mut last = Vec::new();
        let settled = tokio::time::timeout(Duration::from_secs(90), async {
            loop {
                for r in refs.values() {
                    r.engine
                        .sync_now()
                        .await
                        .expect("the reference kiosk syncs");
                }
                last = self.differences(&refs);
                if last.is_empty() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        })
        .await;
        if settled.is_err() {
            report.diverged.extend(last);
        }
        self.check_submissions(report).await;
    }

    /// A kiosk enrolled afresh at each org a harness kiosk is at, synced.
    async fn references(&self) -> HashMap<OrgId, Reference> {
        let mut refs = HashMap::new();
        for k in &self.kiosks {
            if refs.contains_key(&k.org) {
                continue;
            }
            let dir = tempfile::tempdir().expect("dir");
            let mut store = kiosk::store::Store::open(dir.path()).expect("store");
            let token: EnrollmentTokenCreated = self
                .staff
                .must(
                    reqwest::Method::POST,
                    "v1/staff/enrollment-tokens",
                    Some(&serde_json::json!({ "org_id": k.org })),
                )
                .await;
            kiosk::admin::enroll(&mut store, &token.enrollment_string, "reference")
                .await
                .expect("the reference kiosk enrolls");
            let store = Arc::new(Mutex::new(store));
            let engine =
                kiosk::sync::Engine::new(store.clone(), kiosk::sync::SyncConfig::default())
                    .expect("engine");
            refs.insert(
                k.org,
                Reference {
                    store,
                    engine,
                    _dir: dir,
                },
            );
        }
        refs
    }

    fn differences(&self, refs: &HashMap<OrgId, Reference>) -> Vec<String> {
        let mut out = Vec::new();
        for k in &self.kiosks {
            let reference = &refs[&k.org];
            let expected = snapshot(&reference.store.lock().expect("reference store"));
            let store = match kiosk::store::Store::open(&k.dir) {
                Ok(s) => s,
                Err(e) => {
                    out.push(format!("{}: its store does not open: {e}", k.name));
                    continue;
                }
            };
            let actual = snapshot(&store);
            if actual.items != expected.items {
                let missing: Vec<_> = expected.items.difference(&actual.items).collect();
                let extra: Vec<_> = actual.items.difference(&expected.items).collect();
                out.push(format!(
                    "{}: cache differs from the server's scope: missing {missing:?}, extra {extra:?}",
                    k.name
                ));
            }
            // The epoch is the kiosk's own (it grows when a move makes it start over).
            let seq = |c: &Option<protocol::feed::Cursor>| c.as_ref().map(|c| c.seq);
            if seq(&actual.cursor) != seq(&expected.cursor) {
                out.push(format!(
                    "{}: cursor {:?}, head {:?}",
                    k.name, actual.cursor, expected.cursor
                ));
            }
            if actual.outbox > 0 || actual.refused > 0 {
                out.push(format!(
                    "{}: outbox {} waiting, {} refused",
                    k.name, actual.outbox, actual.refused
                ));
            }
            for bad in media_problems(&store) {
                out.push(format!("{}: {bad}", k.name));
            }
        }
        out
    }

    async fn check_submissions(&mut self, report: &mut Report) {
        let mut confirmed: HashMap<String, (String, String)> = HashMap::new();
        for k in &self.kiosks {
            for reply in k.replies.lock().expect("replies").iter() {
                let tag = reply["tag"].as_str().expect("a tag").to_owned();
                match (reply["id"].as_str(), reply["receipt"].as_str()) {
                    (Some(id), Some(receipt)) => {
                        confirmed.insert(tag, (id.to_owned(), receipt.to_owned()));
                    }
                    _ => {
                        report.not_saved += 1;
                        let why = reply["error"].as_str().unwrap_or("no reason").to_owned();
                        *report.not_saved_because.entry(why).or_default() += 1;
                    }
                }
            }
        }
        report.confirmed = confirmed.len();
        let mut on_server: Vec<SubmissionSummary> = Vec::new();
        loop {
            let page: Vec<SubmissionSummary> = self
                .staff
                .must(
                    reqwest::Method::GET,
                    &format!("v1/staff/submissions?limit=1000&offset={}", on_server.len()),
                    None,
                )
                .await;
            let done = page.len() < 1000;
            on_server.extend(page);
            if done {
                break;
            }
        }
        report.on_server = on_server.len();
        let mut by_tag: HashMap<String, Vec<(SubmissionSummary, FormAnswers)>> = HashMap::new();
        for s in on_server {
            let detail: SubmissionDetail = self
                .staff
                .must(
                    reqwest::Method::GET,
                    &format!("v1/staff/submissions/{}", s.id),
                    None,
                )
                .await;
            let answers = FormAnswers {
                answers: detail
                    .answers
                    .iter()
                    .map(|row| (row.key.clone(), serde_json::json!(row.value)))
                    .collect(),
            };
            let tag = detail
                .answers
                .iter()
                .find(|row| row.key == "note")
                .map(|row| row.value.clone())
                .unwrap_or_default();
            by_tag.entry(tag).or_default().push((s, answers));
        }
        for (tag, copies) in &by_tag {
            let Some(asked) = self.asked.get(tag) else {
                report
                    .unknown
                    .push(format!("{tag:?}: on the server, asked of no kiosk"));
                continue;
            };
            if copies.len() > 1 {
                report
                    .duplicated
                    .push(format!("{tag}: {} copies on the server", copies.len()));
            }
            for (summary, answers) in copies {
                if answers != asked {
                    report.diverged.push(format!(
                        "{tag}: answers differ on the server ({})",
                        summary.id
                    ));
                }
            }
        }
        for (tag, (id, receipt)) in &confirmed {
            match by_tag.get(tag).map(Vec::as_slice) {
                None | Some([]) if self.stranded.contains(id) => report.stranded.push(format!(
                    "{tag}: receipt {receipt}, in a revoked kiosk's outbox"
                )),
                None | Some([]) => report
                    .lost
                    .push(format!("{tag}: receipt {receipt} shown, not on the server")),
                Some(copies) => {
                    if !copies
                        .iter()
                        .any(|(s, _)| &s.id == id && &s.receipt == receipt)
                    {
                        report.diverged.push(format!(
                            "{tag}: receipt {receipt} shown, the server holds another id or receipt"
                        ));
                    }
                }
            }
        }
    }
}

struct Reference {
    store: Arc<Mutex<kiosk::store::Store>>,
    engine: kiosk::sync::Engine,
    _dir: tempfile::TempDir,
}

struct Snapshot {
    items: BTreeSet<(String, String, u32)>,
    cursor: Option<protocol::feed::Cursor>,
    outbox: u64,
    refused: u64,
}

fn snapshot(store: &kiosk::store::Store) -> Snapshot {
    let mut items = BTreeSet::new();
    for kind in ContentKind::ALL {
        for item in store.items(kind).expect("items read") {
            items.insert((format!("{kind:?}"), item.id.to_string(), item.version));
        }
    }
    Snapshot {
        items,
        cursor: store.cursor().expect("cursor reads"),
        outbox: store.outbox_depth().expect("outbox reads"),
        refused: store.refused_count().expect("refused reads"),
    }
}

/// Images the cache needs that are missing or do not match their hash.
fn media_problems(store: &kiosk::store::Store) -> Vec<String> {
    use sha2::Digest as _;
    let mut out = Vec::new();
    for hash in store.needed_media().expect("needed media reads") {
        match std::fs::read(store.media_path(&hash)) {
            Ok(bytes) => {
                let actual = hex::encode(sha2::Sha256::digest(&bytes));
                if actual != hash.as_str() {
                    out.push(format!("image {hash} holds bytes hashing to {actual}"));
                }
            }
            Err(e) => out.push(format!("image {hash} is missing: {e}")),
        }
    }
    out
}

/// The harness's form (name, phone, a free-text note), as a content body.
pub fn form() -> protocol::ContentBody {
    serde_json::from_value(form_body()).expect("the harness's form is a valid body")
}
