//! Catalogue imports started in the console, run as jobs (issue 17, part 8): the upload starts
//! one and answers at once with its page, which shows the import's progress (rows checked, rows
//! written, rows a second, the invalid rows found so far) and, once it ends, its report. The
//! page can be closed and opened again later: the job runs on in the server.
//!
//! A job belongs to the org of the staff member who started it; it is visible to staff of that
//! org and above it, as anything else in the org is, and to nobody beside or below it. One job
//! at a time per org. Its row in `import_jobs` says when it started and, once it ends, holds
//! the final report; its progress while it runs lives in this process ([`Jobs`]), since writing
//! it to the database would compete with the import's own writes. A server restart ends the
//! jobs it was running (the upload was a temporary file): at start the server marks every row
//! still `running` as `interrupted`, and a `running` row this process is not running is shown
//! as interrupted too. Importing the file again is safe: rows already imported are unchanged.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::store::{OptionalExtension, params};
use protocol::OrgId;
use serde::{Deserialize, Serialize};

use super::catalog::{self, Checked, Options, Progress, Report, RowError};
use crate::db::{Db, now_ms, to_ts};
use crate::error::{AppError, AppResult};
use crate::orgs::Actor;
use crate::state::AppState;

/// The invalid rows a running job's page lists (the final report lists all it kept).
pub const SHOWN_WHILE_RUNNING: usize = 200;

/// What a job is doing or how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Running,
    Done,
    Failed,
    Interrupted,
}

impl JobState {
    fn as_str(self) -> &'static str {
        match self {
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Interrupted => "interrupted",
        }
    }

    fn parse(s: &str) -> JobState {
        match s {
            "running" => JobState::Running,
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            _ => JobState::Interrupted,
        }
    }
}

/// One row's problem, its place said as the import says it ("第 3 行", "第 3 条记录").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Line {
    pub place: String,
    pub message: String,
}

impl Line {
    fn of(format: catalog::Format, e: &RowError) -> Line {
        Line {
            place: format.place(e.line),
            message: e.message.clone(),
        }
    }
}

/// A finished job's report, as stored.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Final {
    pub format: String,
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub unpublished: u64,
    pub invalid_rows: u64,
    /// False when invalid rows stopped the whole import.
    pub imported: bool,
    pub errors: Vec<Line>,
    pub warnings: Vec<Line>,
    /// Why the import stopped, when it failed (a sentence for the user).
    pub failure: Option<String>,
    /// Seconds the job took.
    pub seconds: f64,
}

impl Final {
    fn of(report: &Report, seconds: f64) -> Final {
        Final {
            format: report.format.describe().to_owned(),
            rows: report.rows,
            created: report.created,
            updated: report.updated,
            unchanged: report.unchanged,
            unpublished: report.unpublished,
            invalid_rows: report.invalid_rows,
            imported: report.imported,
            errors: report
                .errors
                .iter()
                .map(|e| Line::of(report.format, e))
                .collect(),
            warnings: report
                .warnings
                .iter()
                .map(|e| Line::of(report.format, e))
                .collect(),
            failure: None,
            seconds,
        }
    }
}

/// Which pass a running import is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reading and checking every row.
    Checking,
    /// Writing the valid rows.
    Writing,
}

/// A running job's progress.
#[derive(Debug, Clone)]
pub struct Live {
    pub phase: Phase,
    pub format: String,
    pub checked: u64,
    pub invalid_rows: u64,
    /// The invalid rows found so far, in file order (the first [`SHOWN_WHILE_RUNNING`]).
    pub errors: Vec<Line>,
    /// Rows to write and rows written, in the writing pass.
    pub to_write: u64,
    pub written: u64,
    /// When the current pass began.
    pub since: Instant,
}

impl Live {
    fn new() -> Live {
        Live {
            phase: Phase::Checking,
            format: String::new(),
            checked: 0,
            invalid_rows: 0,
            errors: Vec::new(),
            to_write: 0,
            written: 0,
            since: Instant::now(),
        }
    }

    /// Rows a second in the current pass so far.
    pub fn rate(&self) -> u64 {
        let done = match self.phase {
            Phase::Checking => self.checked,
            Phase::Writing => self.written,
        };
        let secs = self.since.elapsed().as_secs_f64();
        if secs < 0.05 {
            0
        } else {
            (done as f64 / secs) as u64
        }
    }
}

/// The progress of the jobs this process runs, by job id.
#[derive(Default)]
pub struct Jobs {
    running: Mutex<HashMap<String, Arc<Tracker>>>,
}

impl Jobs {
    fn live(&self, id: &str) -> Option<Live> {
        let running = self
            .running
            .lock()
            .expect("the jobs lock is never held across a panic");
        running.get(id).map(|t| t.snapshot())
    }

    fn add(&self, id: &str, tracker: Arc<Tracker>) {
        self.running
            .lock()
            .expect("the jobs lock is never held across a panic")
            .insert(id.to_owned(), tracker);
    }

    fn remove(&self, id: &str) {
        self.running
            .lock()
            .expect("the jobs lock is never held across a panic")
            .remove(id);
    }

    fn is_running(&self, id: &str) -> bool {
        self.running
            .lock()
            .expect("the jobs lock is never held across a panic")
            .contains_key(id)
    }
}

/// The import's [`Progress`] for a job: what its page reads.
struct Tracker(Mutex<Live>);

impl Tracker {
    fn snapshot(&self) -> Live {
        self.0
            .lock()
            .expect("the tracker lock is never held across a panic")
            .clone()
    }

    fn with(&self, f: impl FnOnce(&mut Live)) {
        f(&mut self
            .0
            .lock()
            .expect("the tracker lock is never held across a panic"));
    }
}

impl Progress for Tracker {
    fn checked(&self, c: Checked<'_>) {
        self.with(|live| {
            live.format = c.format.describe().to_owned();
            live.checked = c.rows;
            live.invalid_rows = c.invalid_rows;
            let room = SHOWN_WHILE_RUNNING.saturating_sub(live.errors.len());
            live.errors.extend(
                c.new_errors
                    .iter()
                    .take(room)
                    .map(|e| Line::of(c.format, e)),
            );
        });
    }

    fn start(&self, total_rows: u64) {
        self.with(|live| {
            live.phase = Phase::Writing;
            live.to_write = total_rows;
            live.since = Instant::now();
        });
    }

    fn advance(&self, rows: u64) {
        self.with(|live| live.written += rows);
    }

    fn finish(&self) {}
}

/// A job as its page shows it.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: String,
    pub org: OrgId,
    pub org_name: String,
    pub target_org_name: String,
    pub started_at: jiff::Timestamp,
    pub finished_at: Option<jiff::Timestamp>,
    pub state: JobState,
    /// While it runs in this process.
    pub live: Option<Live>,
    /// Once it has ended.
    pub report: Option<Final>,
}

/// Why a job could not start.
pub enum Refused {
    /// The org already has an import running: this one.
    Busy(String),
    Error(AppError),
}

impl From<AppError> for Refused {
    fn from(e: AppError) -> Refused {
        Refused::Error(e)
    }
}

/// Marks the jobs a previous run of the server left `running` as interrupted. Called once as
/// the server starts, before it serves.
pub async fn mark_interrupted(db: &Db) -> AppResult<usize> {
    db.write(|tx| {
        Ok(tx.execute(
            "UPDATE import_jobs SET state = 'interrupted', finished_at = ?1
             WHERE state = 'running'",
            [now_ms()],
        )?)
    })
    .await
}

/// Starts importing `file` (a temporary file the job owns and removes when done) as `actor`,
/// whose org owns the job. Returns its id at once; the import runs on a task of its own.
pub async fn start(
    state: &AppState,
    actor: Actor,
    file: tempfile::NamedTempFile,
    options: Options,
) -> Result<String, Refused> {
    let Actor::Staff {
        org: owner,
        id: staff,
        ..
    } = &actor
    else {
        return Err(AppError::internal("import job", "only staff start import jobs").into());
    };
    let (owner, staff) = (*owner, *staff);
    let id = crate::secrets::random_token(12);
    let target = options.org;
    let checker = actor.clone();
    let new_id = id.clone();
    let jobs = state.imports.clone();
    let tracker = Arc::new(Tracker(Mutex::new(Live::new())));
    let running_tracker = tracker.clone();
    let outcome = state
        .db
        .write(move |tx| {
            checker.check_org(tx, target)?;
            let running: Option<String> = tx
                .query_row(
                    "SELECT id FROM import_jobs WHERE org_id = ?1 AND state = 'running'",
                    [owner.0],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(running) = running {
                if jobs.is_running(&running) {
                    return Ok(Err(running));
                }
                // Its task ended without saying so (it cannot, short of a bug): not running.
                tx.execute(
                    "UPDATE import_jobs SET state = 'interrupted', finished_at = ?2 WHERE id = ?1",
                    params![running, now_ms()],
                )?;
            }
            tx.execute(
                "INSERT INTO import_jobs (id, org_id, target_org_id, started_by, started_at, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'running')",
                params![new_id, owner.0, target.0, staff, now_ms()],
            )?;
            // Running from before the commit, so an upload that takes the writer right after
            // this one sees it running rather than a row without a job.
            jobs.add(&new_id, running_tracker.clone());
            Ok(Ok(()))
        })
        .await
        .inspect_err(|_| state.imports.remove(&id))?;
    if let Err(running) = outcome {
        return Err(Refused::Busy(running));
    }
    let (state, job) = (state.clone(), id.clone());
    tokio::spawn(async move {
        let started = Instant::now();
        let path: PathBuf = file.path().to_path_buf();
        let mut shutdown = state.shutdown.clone();
        let outcome = tokio::select! {
            done = catalog::import(&state, actor, &path, options, &*tracker) => Some(done),
            _ = shutdown.wait_for(|stopping| *stopping) => None,
        };
        drop(file);
        let seconds = started.elapsed().as_secs_f64();
        let (job_state, report) = match outcome {
            // The server is stopping: the job ends here, as a restart would end it.
            None => (JobState::Interrupted, None),
            Some(Ok(report)) => (JobState::Done, Some(Final::of(&report, seconds))),
            Some(Err(e)) => {
                e.log_cause();
                let live = tracker.snapshot();
                let report = Final {
                    format: live.format,
                    rows: live.checked,
                    created: 0,
                    invalid_rows: live.invalid_rows,
                    errors: live.errors,
                    failure: Some(e.message.clone()),
                    seconds,
                    ..Final::default()
                };
                (JobState::Failed, Some(report))
            }
        };
        if let Err(e) = finish(&state.db, &job, job_state, report.as_ref()).await {
            e.log_cause();
        }
        state.imports.remove(&job);
    });
    Ok(id)
}

async fn finish(db: &Db, id: &str, job_state: JobState, report: Option<&Final>) -> AppResult<()> {
    let json = report.map(serde_json::to_string).transpose()?;
    let id = id.to_owned();
    db.write(move |tx| {
        tx.execute(
            "UPDATE import_jobs SET state = ?2, finished_at = ?3, report = ?4 WHERE id = ?1",
            params![id, job_state.as_str(), now_ms(), json],
        )?;
        Ok(())
    })
    .await
}

const SELECT: &str = "SELECT j.id, j.org_id, o.name, t.name, j.started_at, j.finished_at, j.state,
        j.report
    FROM import_jobs j JOIN orgs o ON o.id = j.org_id JOIN orgs t ON t.id = j.target_org_id";

fn job_of(jobs: &Jobs, r: &crate::store::Row<'_>) -> crate::store::Result<Job> {
    let id: String = r.get(0)?;
    let mut state = JobState::parse(&r.get::<_, String>(6)?);
    let live = match state {
        JobState::Running => jobs.live(&id),
        _ => None,
    };
    // A row still running that this process does not run was cut short by a restart.
    if state == JobState::Running && live.is_none() {
        state = JobState::Interrupted;
    }
    let report = r
        .get::<_, Option<String>>(7)?
        .and_then(|json| serde_json::from_str(&json).ok());
    Ok(Job {
        id,
        org: OrgId(r.get(1)?),
        org_name: r.get(2)?,
        target_org_name: r.get(3)?,
        started_at: to_ts(r.get(4)?),
        finished_at: r.get::<_, Option<i64>>(5)?.map(to_ts),
        state,
        live,
        report,
    })
}

/// Job `id`, if its org is in the actor's subtree; one outside it answers as an unknown one.
pub async fn get(state: &AppState, actor: Actor, id: String) -> AppResult<Job> {
    let jobs = state.imports.clone();
    state
        .db
        .read(move |tx| {
            let (scope, path) = actor.subtree_filter("j.org_id");
            let job = tx
                .query_row(
                    &format!("{SELECT} WHERE j.id = ?2 AND {scope}"),
                    params![path, id],
                    |r| job_of(&jobs, r),
                )
                .optional()?;
            job.ok_or_else(|| AppError::not_found("导入任务"))
        })
        .await
}

/// The latest jobs the actor may see, newest first.
pub async fn recent(state: &AppState, actor: Actor, limit: u32) -> AppResult<Vec<Job>> {
    let jobs = state.imports.clone();
    state
        .db
        .read(move |tx| {
            let (scope, path) = actor.subtree_filter("j.org_id");
            // No rowid on PostgreSQL: jobs started in the same millisecond order by id there.
            let tie = if tx.is_postgres() { "j.id" } else { "j.rowid" };
            let mut stmt = tx.prepare(&format!(
                "{SELECT} WHERE {scope} ORDER BY j.started_at DESC, {tie} DESC LIMIT ?2"
            ))?;
            let rows = stmt
                .query_map(params![path, limit], |r| job_of(&jobs, r))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
}
