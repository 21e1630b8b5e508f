//! A swarm of simulated kiosks, each the kiosk's own sync engine (`kiosk::sync::Engine`) over
//! its own `kiosk::store::Store`, enrolled for real through the server: its own TLS connections,
//! an open event stream, pulls on each notice, heartbeats and its own cursor. A recorder per
//! kiosk notes when each feed position was heard on the stream and when it was in the store, so
//! a publish's latency to every kiosk can be read afterwards. Used by the fleet bench
//! (`tests/benches/swarm.rs`, many processes) and the short swarm test (one process).

use crate::Staff;
use futures_util::StreamExt;
use kiosk::store::Store;
use kiosk::sync::{Engine, SyncConfig, SyncEvent};
use protocol::OrgId;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::watch;

pub mod instances;

/// Nanoseconds since the Unix epoch: the clock every process of the swarm shares.
pub fn now_nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_nanos()
}

/// A process's CPU time (user + system) in seconds so far: `self` or a pid.
pub fn cpu_seconds_of(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/<pid>/stat");
    cpu_seconds_in(&stat[stat.rfind(')').expect("the command name ends") + 2..])
}

/// CPU seconds from the fields of a `/proc/<pid>/stat` line after the command name: utime and
/// stime (fields 14 and 15 of the whole line), in clock ticks (100 Hz).
pub fn cpu_seconds_in(after_name: &str) -> f64 {
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: f64 =
        fields[11].parse::<f64>().expect("utime") + fields[12].parse::<f64>().expect("stime");
    ticks / 100.0
}

/// A temporary directory for kiosk stores: on /dev/shm when there is one (each real kiosk
/// writes to its own disk, not all to this machine's one).
pub fn store_dir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        tempfile::tempdir_in(shm)
    } else {
        tempfile::tempdir()
    }
    .expect("a temporary directory")
}

/// A province, its cities and their branches, made through the staff API.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Orgs {
    pub province: OrgId,
    /// Each city and its branches.
    pub cities: Vec<(OrgId, Vec<OrgId>)>,
}

impl Orgs {
    /// Every branch, city by city.
    pub fn branches(&self) -> Vec<OrgId> {
        self.cities.iter().flat_map(|(_, b)| b.clone()).collect()
    }
}

/// Makes `cities` cities under `province`, each with `branches` branches.
pub async fn org_tree(admin: &Staff, province: OrgId, cities: usize, branches: usize) -> Orgs {
    let mut out = Vec::new();
    for c in 0..cities {
        let city = admin
            .create_org(province, &format!("第{}市分行工会", c + 1))
            .await;
        let mut list = Vec::new();
        for b in 0..branches {
            list.push(
                admin
                    .create_org(city, &format!("第{}市第{}支行", c + 1, b + 1))
                    .await,
            );
        }
        out.push((city, list));
    }
    Orgs {
        province,
        cities: out,
    }
}

/// One enrollment string per kiosk, the kiosks spread round-robin over `branches`, created
/// `parallel` at a time through the staff API.
pub async fn enrollments(
    admin: &Staff,
    branches: &[OrgId],
    count: usize,
    parallel: usize,
) -> Vec<(OrgId, String)> {
    futures_util::stream::iter((0..count).map(|i| {
        let org = branches[i % branches.len()];
        async move { (org, admin.enrollment_token(org).await.enrollment_string) }
    }))
    .buffered(parallel)
    .collect()
    .await
}

/// When each feed position reached one kiosk (nanoseconds since the epoch).
#[derive(Default)]
struct Record {
    /// (seq heard on the stream, when), in order.
    heard: Vec<(u64, u128)>,
    /// (seq applied to the store, when), in order.
    stored: Vec<(u64, u128)>,
    streams: u64,
    /// `changes` notices heard in all, and at the last measurement.
    notices: u64,
    notices_measured: u64,
    failures: u64,
    pages: u64,
}

struct SwarmKiosk {
    org: OrgId,
    record: Arc<Mutex<Record>>,
}

/// Kiosks running in this process.
pub struct Fleet {
    kiosks: Vec<SwarmKiosk>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// What the kiosks of one measurement saw of a feed position published at `t0`.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Outcome {
    /// Kiosks measured (those whose scope the change reached).
    pub kiosks: usize,
    /// Publish → notice on the stream, per kiosk that heard it, in milliseconds.
    pub heard_ms: Vec<f64>,
    /// Publish → the change in the kiosk's store, per kiosk that has it, in milliseconds.
    pub stored_ms: Vec<f64>,
    /// Failed syncs since the last measurement.
    pub failures: u64,
    /// Kiosks whose stream was opened more than once since they started (it broke, and they
    /// polled until it was back).
    pub polled: usize,
    /// Delta pages pulled since the last measurement.
    pub pages: u64,
    /// `changes` notices the kiosks heard since the last measurement.
    #[serde(default)]
    pub notices: u64,
}

impl Outcome {
    pub fn merge(&mut self, other: Outcome) {
        self.kiosks += other.kiosks;
        self.heard_ms.extend(other.heard_ms);
        self.stored_ms.extend(other.stored_ms);
        self.failures += other.failures;
        self.polled += other.polled;
        self.pages += other.pages;
        self.notices += other.notices;
    }
}

fn record_task(
    engine: &Engine,
    record: Arc<Mutex<Record>>,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let mut heard = engine.heard();
    let mut progress = engine.progress();
    let mut events = engine.subscribe();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                changed = heard.changed() => {
                    if changed.is_err() { return; }
                    let h = *heard.borrow_and_update();
                    let mut r = record.lock().expect("record lock");
                    r.streams = h.streams;
                    r.notices = h.notices;
                    if r.heard.last().is_none_or(|&(s, _)| s < h.seq) {
                        r.heard.push((h.seq, now_nanos()));
                    }
                }
                changed = progress.changed() => {
                    if changed.is_err() { return; }
                    let seq = progress.borrow_and_update().seq;
                    let mut r = record.lock().expect("record lock");
                    if r.stored.last().is_none_or(|&(s, _)| s < seq) {
                        r.stored.push((seq, now_nanos()));
                    }
                }
                event = events.recv() => match event {
                    Ok(SyncEvent::Synced(summary)) => {
                        record.lock().expect("record lock").pages += summary.pages as u64;
                    }
                    Ok(SyncEvent::Failed { .. }) => {
                        record.lock().expect("record lock").failures += 1;
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                },
                _ = shutdown.wait_for(|down| *down) => return,
            }
        }
    })
}

impl Fleet {
    /// Enrolls a kiosk for each `(org, enrollment string)` with its store under `dir`
    /// (`parallel` enrolling at a time), then starts every engine.
    pub async fn start(
        enrollments: Vec<(OrgId, String)>,
        dir: &Path,
        parallel: usize,
    ) -> anyhow::Result<Fleet> {
        let enrolled: Vec<anyhow::Result<(OrgId, Store)>> =
            futures_util::stream::iter(enrollments.into_iter().enumerate().map(
                |(i, (org, string))| {
                    let path = dir.join(format!("k{i}"));
                    async move {
                        let mut store = tokio::task::spawn_blocking(move || Store::open(&path))
                            .await
                            .expect("opening a store does not panic")?;
                        kiosk::admin::enroll(&mut store, &string, &format!("swarm {i}")).await?;
                        Ok((org, store))
                    }
                },
            ))
            .buffer_unordered(parallel)
            .collect()
            .await;
        let (shutdown, down) = watch::channel(false);
        let mut fleet = Fleet {
            kiosks: Vec::new(),
            shutdown,
            tasks: Vec::new(),
        };
        for kiosk in enrolled {
            let (org, store) = kiosk?;
            let engine = Engine::new(Arc::new(Mutex::new(store)), SyncConfig::default())?;
            let record = Arc::new(Mutex::new(Record::default()));
            fleet
                .tasks
                .push(record_task(&engine, record.clone(), down.clone()));
            let stop = down.clone();
            fleet
                .tasks
                .push(tokio::spawn(async move { engine.run(stop).await }));
            fleet.kiosks.push(SwarmKiosk { org, record });
        }
        Ok(fleet)
    }

    pub fn len(&self) -> usize {
        self.kiosks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kiosks.is_empty()
    }

    /// Waits until every kiosk has synced and opened its event stream; false after `timeout`.
    pub async fn ready(&self, timeout: Duration) -> bool {
        let until = tokio::time::Instant::now() + timeout;
        loop {
            let all = self.kiosks.iter().all(|k| {
                let r = k.record.lock().expect("record lock");
                r.streams >= 1 && !r.heard.is_empty()
            });
            if all {
                // Counts start from here: the first syncs are not a measurement's.
                for k in &self.kiosks {
                    let mut r = k.record.lock().expect("record lock");
                    r.failures = 0;
                    r.pages = 0;
                    r.notices_measured = r.notices;
                }
                return true;
            }
            if tokio::time::Instant::now() >= until {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// How the kiosks in `orgs` (all when `None`) received feed position `seq`, published at
    /// `t0` (nanoseconds since the epoch): waits until each has it in its store, at most
    /// `timeout`. Failures and pages count since the previous measurement.
    pub async fn measure(
        &self,
        seq: u64,
        t0: u128,
        orgs: Option<&HashSet<OrgId>>,
        timeout: Duration,
    ) -> Outcome {
        let measured: Vec<&SwarmKiosk> = self
            .kiosks
            .iter()
            .filter(|k| orgs.is_none_or(|o| o.contains(&k.org)))
            .collect();
        let until = tokio::time::Instant::now() + timeout;
        loop {
            let done = measured.iter().all(|k| {
                let r = k.record.lock().expect("record lock");
                r.stored.last().is_some_and(|&(s, _)| s >= seq)
                    && r.heard.last().is_some_and(|&(s, _)| s >= seq)
            });
            if done || tokio::time::Instant::now() >= until {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let ms = |at: u128| at.saturating_sub(t0) as f64 / 1e6;
        let mut out = Outcome {
            kiosks: measured.len(),
            ..Outcome::default()
        };
        for k in &measured {
            let r = k.record.lock().expect("record lock");
            if let Some(&(_, at)) = r.heard.iter().find(|&&(s, _)| s >= seq) {
                out.heard_ms.push(ms(at));
            }
            if let Some(&(_, at)) = r.stored.iter().find(|&&(s, _)| s >= seq) {
                out.stored_ms.push(ms(at));
            }
        }
        for k in &self.kiosks {
            let mut r = k.record.lock().expect("record lock");
            out.failures += std::mem::take(&mut r.failures);
            out.pages += std::mem::take(&mut r.pages);
            let notices = r.notices;
            out.notices += notices - std::mem::replace(&mut r.notices_measured, notices);
            out.polled += usize::from(r.streams > 1);
        }
        out
    }

    /// Stops every engine and waits for them.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// The value at quantile `q` (0..=1) of `sorted`, or NaN when empty.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let at = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[at]
}
