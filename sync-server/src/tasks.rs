//! Tasks down the hierarchy: a higher org sends a notice or a task (e.g. "report your
//! winter-relief list by Friday"), with a due date, to every org directly below it. The staff of
//! each of those orgs see it, acknowledge it and mark it done; the sender sees which orgs have
//! not. A task is sent from the sender's own org or an org in their subtree, and only an org's
//! own staff answer for it. Nothing is deleted.

use crate::store::{OptionalExtension, Tx, params};
use jiff::Timestamp;
use protocol::{ErrorCode, OrgId};

use crate::db::{now_ms, to_ts};
use crate::error::{AppError, AppResult};
use crate::orgs::{Actor, path_of};
use crate::state::AppState;

/// A notice is read and acknowledged; a task is also done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Notice,
    Task,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Notice => "notice",
            Kind::Task => "task",
        }
    }

    pub fn of(s: &str) -> Option<Kind> {
        match s {
            "notice" => Some(Kind::Notice),
            "task" => Some(Kind::Task),
            _ => None,
        }
    }
}

/// What is sent.
#[derive(Debug, Clone)]
pub struct NewTask {
    pub org: OrgId,
    pub kind: Kind,
    pub title: String,
    pub body: String,
    pub due: Option<Timestamp>,
}

/// One task as its sender or a receiver sees it.
#[derive(Debug, Clone)]
pub struct Task {
    pub id: i64,
    pub org: OrgId,
    pub org_name: String,
    pub kind: Kind,
    pub title: String,
    pub body: String,
    pub due: Option<Timestamp>,
    pub created_at: Timestamp,
    pub created_by: String,
}

/// Where one receiving org stands with a task.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub org: OrgId,
    pub org_name: String,
    pub acknowledged: Option<(Timestamp, String)>,
    pub done: Option<(Timestamp, String)>,
}

/// A task sent, with every receiving org's answer.
#[derive(Debug, Clone)]
pub struct Sent {
    pub task: Task,
    pub receipts: Vec<Receipt>,
}

/// A task received by the actor's org, with its answer.
#[derive(Debug, Clone)]
pub struct Received {
    pub task: Task,
    pub receipt: Receipt,
}

fn staff_org(actor: &Actor) -> AppResult<OrgId> {
    match actor {
        Actor::Staff { org, .. } => Ok(*org),
        Actor::Operator => Err(AppError::bad_request(
            ErrorCode::OwnAccount,
            "任务由单位的工作人员收发",
        )),
    }
}

/// Sends `new` from org `new.org` (in the actor's subtree) to every org directly below it.
pub async fn send(state: &AppState, actor: Actor, new: NewTask) -> AppResult<i64> {
    let title = new.title.trim().to_owned();
    if title.is_empty() || title.chars().count() > 100 {
        return Err(AppError::bad_request(
            ErrorCode::InvalidContent,
            "标题不能为空，且不超过 100 个字",
        ));
    }
    if new.body.chars().count() > 5000 {
        return Err(AppError::bad_request(
            ErrorCode::InvalidContent,
            "内容不超过 5000 个字",
        ));
    }
    state
        .db
        .write(move |tx| {
            actor.check_org(tx, new.org)?;
            let below: Vec<i64> = tx
                .prepare("SELECT id FROM orgs WHERE parent_id = ?1 ORDER BY id")?
                .query_map([new.org.0], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            if below.is_empty() {
                return Err(AppError::bad_request(
                    ErrorCode::InvalidContent,
                    "这个单位没有下级单位，任务无处可发",
                ));
            }
            let id: i64 = tx.query_row(
                "INSERT INTO org_tasks (org_id, created_by, created_at, kind, title, body, due_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                params![
                    new.org.0,
                    actor.staff_id(),
                    now_ms(),
                    new.kind.as_str(),
                    title,
                    new.body.trim(),
                    new.due.map(crate::db::to_ms)
                ],
                |r| r.get(0),
            )?;
            let mut add =
                tx.prepare("INSERT INTO org_task_targets (task_id, org_id) VALUES (?1, ?2)")?;
            for org in below {
                add.execute(params![id, org])?;
            }
            Ok(id)
        })
        .await
}

const TASK_COLUMNS: &str = "t.id, t.org_id, o.name, t.kind, t.title, t.body, t.due_at,
    t.created_at, COALESCE(s.display_name, '')";

fn task_row(r: &crate::store::Row<'_>) -> crate::store::Result<Task> {
    Ok(Task {
        id: r.get(0)?,
        org: OrgId(r.get(1)?),
        org_name: r.get(2)?,
        kind: Kind::of(&r.get::<_, String>(3)?).unwrap_or(Kind::Notice),
        title: r.get(4)?,
        body: r.get(5)?,
        due: r.get::<_, Option<i64>>(6)?.map(to_ts),
        created_at: to_ts(r.get(7)?),
        created_by: r.get(8)?,
    })
}

fn receipts(tx: &Tx<'_>, task: i64, only: Option<OrgId>) -> AppResult<Vec<Receipt>> {
    let rows = tx
        .prepare(
            "SELECT g.org_id, o.name, g.acknowledged_at, COALESCE(a.display_name, ''),
                    g.done_at, COALESCE(d.display_name, '')
             FROM org_task_targets g JOIN orgs o ON o.id = g.org_id
             LEFT JOIN staff a ON a.id = g.acknowledged_by LEFT JOIN staff d ON d.id = g.done_by
             WHERE g.task_id = ?1 AND (CAST(?2 AS bigint) IS NULL OR g.org_id = ?2) ORDER BY o.name",
        )?
        .query_map(params![task, only.map(|o| o.0)], |r| {
            let at = |i: usize, who: String| -> crate::store::Result<_> {
                Ok(r.get::<_, Option<i64>>(i)?.map(|t| (to_ts(t), who)))
            };
            Ok(Receipt {
                org: OrgId(r.get(0)?),
                org_name: r.get(1)?,
                acknowledged: at(2, r.get(3)?)?,
                done: at(4, r.get(5)?)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Tasks sent from orgs in the actor's subtree, newest first, with every receiver's answer.
pub async fn sent(state: &AppState, actor: Actor) -> AppResult<Vec<Sent>> {
    state
        .db
        .read(move |tx| {
            let (cond, path) = actor.subtree_filter("t.org_id");
            let tasks = tx
                .prepare(&format!(
                    "SELECT {TASK_COLUMNS} FROM org_tasks t JOIN orgs o ON o.id = t.org_id
                     LEFT JOIN staff s ON s.id = t.created_by WHERE {cond}
                     ORDER BY t.id DESC LIMIT 100"
                ))?
                .query_map([path], task_row)?
                .collect::<Result<Vec<_>, _>>()?;
            tasks
                .into_iter()
                .map(|task| {
                    Ok(Sent {
                        receipts: receipts(tx, task.id, None)?,
                        task,
                    })
                })
                .collect()
        })
        .await
}

/// One task sent from the actor's subtree; any other reads as unknown.
pub async fn one_sent(state: &AppState, actor: Actor, id: i64) -> AppResult<Sent> {
    state
        .db
        .read(move |tx| {
            let (cond, path) = actor.subtree_filter("t.org_id");
            let task = tx
                .query_row(
                    &format!(
                        "SELECT {TASK_COLUMNS} FROM org_tasks t JOIN orgs o ON o.id = t.org_id
                         LEFT JOIN staff s ON s.id = t.created_by WHERE t.id = ?2 AND {cond}"
                    ),
                    params![path, id],
                    task_row,
                )
                .optional()?
                .ok_or_else(|| AppError::not_found(&format!("任务 {id}")))?;
            Ok(Sent {
                receipts: receipts(tx, task.id, None)?,
                task,
            })
        })
        .await
}

/// Tasks sent to the actor's own org, newest first.
pub async fn received(state: &AppState, actor: Actor) -> AppResult<Vec<Received>> {
    let org = staff_org(&actor)?;
    state
        .db
        .read(move |tx| {
            let tasks = tx
                .prepare(&format!(
                    "SELECT {TASK_COLUMNS} FROM org_task_targets g JOIN org_tasks t ON t.id = g.task_id
                     JOIN orgs o ON o.id = t.org_id LEFT JOIN staff s ON s.id = t.created_by
                     WHERE g.org_id = ?1 ORDER BY t.id DESC LIMIT 100"
                ))?
                .query_map([org.0], task_row)?
                .collect::<Result<Vec<_>, _>>()?;
            tasks
                .into_iter()
                .map(|task| {
                    let receipt = receipts(tx, task.id, Some(org))?
                        .pop()
                        .ok_or_else(|| AppError::not_found(&format!("任务 {}", task.id)))?;
                    Ok(Received { task, receipt })
                })
                .collect()
        })
        .await
}

/// What a receiving org says of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Acknowledge,
    Done,
}

/// The actor's org acknowledges task `id`, or marks it done (which acknowledges it too). A task
/// not sent to the actor's own org reads as unknown.
pub async fn answer(state: &AppState, actor: Actor, id: i64, answer: Answer) -> AppResult<()> {
    let org = staff_org(&actor)?;
    let by = actor.staff_id();
    state
        .db
        .write(move |tx| {
            let kind: Option<String> = tx
                .query_row(
                    "SELECT t.kind FROM org_task_targets g JOIN org_tasks t ON t.id = g.task_id
                     WHERE g.task_id = ?1 AND g.org_id = ?2",
                    params![id, org.0],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(kind) = kind else {
                return Err(AppError::not_found(&format!("任务 {id}")));
            };
            // The org still exists where the actor is: a moved org keeps its tasks.
            path_of(tx, org)?;
            let now = now_ms();
            tx.execute(
                "UPDATE org_task_targets SET acknowledged_at = ?3, acknowledged_by = ?4
                 WHERE task_id = ?1 AND org_id = ?2 AND acknowledged_at IS NULL",
                params![id, org.0, now, by],
            )?;
            if answer == Answer::Done {
                if Kind::of(&kind) != Some(Kind::Task) {
                    return Err(AppError::bad_request(
                        ErrorCode::InvalidTransition,
                        "通知只需确认收到，没有“完成”",
                    ));
                }
                tx.execute(
                    "UPDATE org_task_targets SET done_at = ?3, done_by = ?4
                     WHERE task_id = ?1 AND org_id = ?2 AND done_at IS NULL",
                    params![id, org.0, now, by],
                )?;
            }
            Ok(())
        })
        .await
}
