//! One runner of the periodic jobs among the instances on one PostgreSQL database (issue 20).
//!
//! Retention and the deadlines' run (escalation and the digest mail) must not run on every
//! instance: two would send each digest twice. On PostgreSQL each instance keeps a connection of
//! its own on a thread and asks for a session advisory lock (`pg_try_advisory_lock`) every
//! [`TICK`]; the instance that holds it is the leader and runs the jobs ([`lead`]). The lock
//! lives as long as that connection: when the leader stops or dies its connection closes, the
//! lock is released, and another instance takes it at its next tick. The leader checks its
//! connection every tick too; if the check fails it stops leading at once (its jobs are
//! dropped) and asks again once connected. On SQLite there is one instance, which always leads.
//!
//! The window where two might run: the database has ended the leader's session (a network
//! partition) but the leader has not noticed yet, at most one tick plus the check's timeout.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::watch;

/// The session advisory lock the leader holds.
const LEADER_LOCK: i64 = 0x756e_696f_6e03;
/// How often an instance that does not lead asks for the lock, and the leader checks it still
/// holds its connection.
const TICK: Duration = Duration::from_secs(2);
/// `application_name` of the leader connections, as `pg_stat_activity` shows them.
pub const CONNECTION_NAME: &str = "union-sync leader";

/// Whether this instance leads, as it changes; stops the thread (PostgreSQL) when dropped.
pub struct Leader {
    leads: watch::Receiver<bool>,
    stop: Arc<AtomicBool>,
    /// The lone instance's "leading" (SQLite), kept for as long as this `Leader` lives: a
    /// channel whose sender is gone is closed, and `lead` ends its job on a closed channel.
    _alone: Option<watch::Sender<bool>>,
}

impl Drop for Leader {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl Leader {
    /// The one instance on SQLite (`None`): it always leads.
    pub fn alone() -> Leader {
        let (tx, leads) = watch::channel(true);
        Leader {
            leads,
            stop: Arc::new(AtomicBool::new(false)),
            _alone: Some(tx),
        }
    }

    /// Competes for the lock on the database at `config`.
    pub fn start(config: &crate::pg_tls::Target) -> Leader {
        let mut config = config.clone();
        config.config.application_name(CONNECTION_NAME);
        let (tx, leads) = watch::channel(false);
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("leader".into())
            .spawn(move || compete(&config, &tx, &flag))
            .expect("a thread can be started");
        Leader {
            leads,
            stop,
            _alone: None,
        }
    }

    /// Runs `job` (a job that loops for ever) while this instance leads: started when it
    /// becomes the leader, dropped when it stops being it, started again if it leads again.
    pub fn lead<F, Fut>(&self, job: F) -> impl Future<Output = ()> + Send + 'static
    where
        F: Fn() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send,
    {
        let mut leads = self.leads.clone();
        async move {
            loop {
                if leads.wait_for(|l| *l).await.is_err() {
                    return;
                }
                tokio::select! {
                    () = job() => return,
                    lost = leads.wait_for(|l| !*l) => {
                        if lost.is_err() {
                            return;
                        }
                        tracing::info!("no longer the instance that runs the periodic jobs");
                    }
                }
            }
        }
    }
}

/// The thread: connect, ask for the lock until it is granted, then check the connection every
/// tick; on any failure stop leading and start again. Ends when `stop` is set or nobody
/// watches any more.
fn compete(config: &crate::pg_tls::Target, leads: &watch::Sender<bool>, stop: &AtomicBool) {
    let mut client: Option<postgres::Client> = None;
    let mut warned = false;
    while !stop.load(Ordering::SeqCst) && !leads.is_closed() {
        let asked = match client.as_mut() {
            Some(c) => Ok(c),
            None => config.connect().map(|c| client.insert(c)),
        }
        .and_then(|c| {
            if *leads.borrow() {
                c.is_valid(TICK).map(|()| true)
            } else {
                c.query_one("SELECT pg_try_advisory_lock($1)", &[&LEADER_LOCK])
                    .map(|r| r.get::<_, bool>(0))
            }
        });
        match asked {
            Ok(holds) => {
                warned = false;
                if holds && !*leads.borrow() {
                    tracing::info!("this instance runs the periodic jobs (retention, deadlines)");
                }
                leads.send_if_modified(|l| std::mem::replace(l, holds) != holds);
            }
            Err(e) => {
                if !warned {
                    tracing::warn!(error = %e, "cannot reach the database for the leader lock");
                    warned = true;
                }
                client = None;
                leads.send_if_modified(|l| std::mem::replace(l, false));
            }
        }
        pause(stop);
    }
}

/// Sleeps a tick, or less when `stop` is set meanwhile (so a stopped instance lets go of the
/// lock at once).
fn pause(stop: &AtomicBool) {
    let slice = Duration::from_millis(100);
    let mut slept = Duration::ZERO;
    while slept < TICK && !stop.load(Ordering::SeqCst) {
        std::thread::sleep(slice);
        slept += slice;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    /// The lone instance (SQLite) runs its jobs for as long as its `Leader` lives, and stops them
    /// when it is dropped (a bug once closed its channel at once, so retention and the
    /// deadlines' run never ran on SQLite).
    #[tokio::test]
    async fn the_lone_instance_runs_its_jobs_until_its_leader_is_dropped() {
        let leader = Leader::alone();
        let ticks = Arc::new(AtomicU32::new(0));
        let job = {
            let ticks = ticks.clone();
            move || {
                let ticks = ticks.clone();
                async move {
                    loop {
                        ticks.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                }
            }
        };
        let running = tokio::spawn(leader.lead(job));
        let until = tokio::time::Instant::now() + Duration::from_secs(10);
        while ticks.load(Ordering::SeqCst) < 5 && tokio::time::Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(ticks.load(Ordering::SeqCst) >= 5, "the job stopped");
        assert!(
            !running.is_finished(),
            "the job ended while its leader lives"
        );
        drop(leader);
        tokio::time::timeout(Duration::from_secs(10), running)
            .await
            .expect("the job ends with its leader")
            .expect("the job's task does not panic");
    }
}
