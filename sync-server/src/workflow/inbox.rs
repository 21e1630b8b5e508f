//! The staff side of submissions: the inbox (filtered, newest first), one submission in full,
//! status changes with their history, and the CSV export for Excel.
//!
//! Staff see and change only submissions whose org (the kiosk's org when it was sent) is in
//! their subtree; one outside it is "not found", like one that does not exist. Every status
//! change is written with who, when, from, to and the reply, in the same transaction. Every
//! read of answers (one submission, an export, a change's answer) is in the audit log.

use crate::store::{OptionalExtension, Tx, params};
use protocol::ErrorCode;
use protocol::content::{FieldInput, FormDefinition};
use protocol::staff::AuditAction;
use protocol::workflow::{
    AnswerRow, Assignee, HistoryEntry, REPLY_MAX, Status, StatusChange, SubmissionDetail,
    SubmissionSummary,
};
use protocol::{ContentId, KioskId, OrgId};

use super::audit;
use super::form_of;
use crate::db::{now_ms, to_ts};
use crate::deadlines;
use crate::error::{AppError, AppResult};
use crate::orgs::Actor;
use crate::state::AppState;

/// Which submissions a list or export covers.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Filter {
    pub form: Option<String>,
    pub status: Option<String>,
    pub org: Option<i64>,
    /// Received on or after (ms since the epoch).
    pub from: Option<i64>,
    /// Received before (ms since the epoch).
    pub to: Option<i64>,
    /// Open cases by deadline (`Due`): `overdue`, `today`, `soon`, `mine`, `escalated`, `new`.
    pub due: Option<String>,
    /// `urgency`: open cases first — assigned to the caller, then escalated or assigned to the
    /// caller's org, then the rest — each by due time; closed ones after, newest first.
    /// Anything else: newest first.
    pub sort: Option<String>,
    #[serde(default)]
    pub offset: u32,
    pub limit: Option<u32>,
    /// Only these submissions (a bulk action's selection); not from a query string.
    #[serde(skip)]
    pub ids: Option<Vec<String>>,
    /// The time "overdue", "today" and "new" are judged at (ms); unset: now. Not from a query
    /// string: the digest sets it.
    #[serde(skip)]
    pub now: Option<i64>,
}

/// The due filters, as the inbox and the digest name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Open, and the due time has passed.
    Overdue,
    /// Open, due by the end of today (China time), not yet overdue.
    Today,
    /// Open, due tomorrow or the day after.
    Soon,
    /// Open, and assigned to the caller, or assigned or escalated to the caller's org.
    Mine,
    /// Open, and escalated to the caller's org.
    Escalated,
    /// Received in the last 24 hours.
    New,
}

impl Due {
    pub const ALL: [Due; 6] = [
        Due::Overdue,
        Due::Today,
        Due::Soon,
        Due::Mine,
        Due::Escalated,
        Due::New,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Due::Overdue => "overdue",
            Due::Today => "today",
            Due::Soon => "soon",
            Due::Mine => "mine",
            Due::Escalated => "escalated",
            Due::New => "new",
        }
    }

    pub fn parse(s: &str) -> Option<Due> {
        Due::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

const SUMMARY_COLUMNS: &str = "s.id, s.receipt, s.form_id, s.form_version, fv.body, s.org_id,
     o.name, s.kiosk_id, s.status, s.submitted_at, COALESCE(s.updated_at, s.received_at),
     s.due_at, s.assigned_staff_id, s.assigned_org_id, COALESCE(ast.display_name, ao.name),
     s.escalation_level, s.escalated_org_id, eo.name";

/// How many columns `SUMMARY_COLUMNS` has: a query's own columns come after them.
const AFTER_SUMMARY: usize = 18;

const SUMMARY_JOINS: &str = "JOIN orgs o ON o.id = s.org_id
     LEFT JOIN form_versions fv ON fv.form_id = s.form_id AND fv.version = s.form_version
     LEFT JOIN staff ast ON ast.id = s.assigned_staff_id
     LEFT JOIN orgs ao ON ao.id = s.assigned_org_id
     LEFT JOIN orgs eo ON eo.id = s.escalated_org_id";

fn summary(
    r: &crate::store::Row<'_>,
) -> crate::store::Result<(SubmissionSummary, Option<FormDefinition>)> {
    let body: Option<String> = r.get(4)?;
    let form = body.as_deref().and_then(form_of);
    let status: String = r.get(8)?;
    let assigned_staff: Option<i64> = r.get(12)?;
    let assigned_org: Option<i64> = r.get(13)?;
    let escalated_org: Option<i64> = r.get(16)?;
    Ok((
        SubmissionSummary {
            id: r.get(0)?,
            receipt: r.get(1)?,
            form_id: ContentId(r.get(2)?),
            form_version: r.get(3)?,
            form_title: form
                .as_ref()
                .map(|f| f.title.clone())
                .or_else(|| body.as_deref().and_then(crate::places::offering_title))
                .or_else(|| body.as_deref().and_then(crate::proposals::call_title))
                .or_else(|| body.as_deref().and_then(crate::polls::poll_title))
                .or_else(|| body.as_deref().and_then(crate::quiz::entry_title))
                .unwrap_or_default(),
            org_id: OrgId(r.get(5)?),
            org_name: r.get(6)?,
            kiosk_id: KioskId(r.get(7)?),
            status: Status::parse(&status).unwrap_or(Status::Received),
            submitted_at: to_ts(r.get(9)?),
            updated_at: to_ts(r.get(10)?),
            due_at: r.get::<_, Option<i64>>(11)?.map(to_ts),
            assigned_to: match (assigned_staff, assigned_org) {
                (None, None) => None,
                (staff_id, org_id) => Some(Assignee {
                    staff_id,
                    org_id: org_id.map(OrgId),
                    name: r.get::<_, Option<String>>(14)?.unwrap_or_default(),
                }),
            },
            escalation_level: r.get(15)?,
            escalated_to: match escalated_org {
                Some(org) => Some(Assignee {
                    staff_id: None,
                    org_id: Some(OrgId(org)),
                    name: r.get::<_, Option<String>>(17)?.unwrap_or_default(),
                }),
                None => None,
            },
        },
        form,
    ))
}

/// The caller's staff id and org id (none for the operator), for "mine" and the urgency order.
fn me(actor: &Actor) -> (Option<i64>, Option<i64>) {
    match actor {
        Actor::Operator => (None, None),
        Actor::Staff { id, org, .. } => (Some(*id), Some(org.0)),
    }
}

fn filtered(
    tx: &Tx<'_>,
    actor: &Actor,
    filter: &Filter,
) -> AppResult<Vec<(SubmissionSummary, Option<FormDefinition>, String)>> {
    if let Some(status) = &filter.status
        && Status::parse(status).is_none()
    {
        return Err(AppError::bad_request(
            ErrorCode::InvalidStatus,
            format!("没有“{status}”这种状态"),
        ));
    }
    let due = match filter.due.as_deref().filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => Some(Due::parse(d).ok_or_else(|| {
            AppError::bad_request(ErrorCode::InvalidQuery, format!("没有“{d}”这种期限筛选"))
        })?),
    };
    let now = filter.now.unwrap_or_else(now_ms);
    let today = deadlines::china_date(now);
    let midnight_after = |days: i64| {
        today
            .checked_add(jiff::Span::new().days(days))
            .map(deadlines::china_midnight)
            .unwrap_or(i64::MAX)
    };
    let open = "s.status IN ('received', 'processing')";
    let due_cond = match due {
        None => "TRUE".to_owned(),
        Some(Due::Overdue) => format!("{open} AND s.due_at <= ?9"),
        Some(Due::Today) => format!("{open} AND s.due_at > ?9 AND s.due_at <= ?10"),
        Some(Due::Soon) => format!("{open} AND s.due_at > ?10 AND s.due_at <= ?11"),
        Some(Due::Mine) => format!(
            "{open} AND (s.assigned_staff_id = ?12 OR s.assigned_org_id = ?13
                         OR s.escalated_org_id = ?13)"
        ),
        Some(Due::Escalated) => format!("{open} AND s.escalated_org_id = ?13"),
        Some(Due::New) => "s.received_at > ?9 - 86400000".to_owned(),
    };
    let order = match filter.sort.as_deref() {
        Some("urgency") => format!(
            "CASE WHEN {open} THEN
                 CASE WHEN s.assigned_staff_id = ?12 THEN 0
                      WHEN s.escalated_org_id = ?13 OR s.assigned_org_id = ?13 THEN 1
                      ELSE 2 END
             ELSE 3 END,
             CASE WHEN {open} THEN COALESCE(s.due_at, 9223372036854775807) ELSE 0 END,
             s.received_at DESC, s.id"
        ),
        _ => "s.received_at DESC, s.id".to_owned(),
    };
    let ids_of = if tx.is_postgres() {
        "SELECT jsonb_array_elements_text(CAST(?14 AS jsonb))"
    } else {
        "SELECT value FROM json_each(?14)"
    };
    let (cond, path) = actor.subtree_filter("s.org_id");
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS}, s.answers
         FROM submissions s
         {SUMMARY_JOINS}
         WHERE {cond}
           AND (CAST(?2 AS text) IS NULL OR s.form_id = ?2)
           AND (CAST(?3 AS text) IS NULL OR s.status = ?3)
           AND (CAST(?4 AS bigint) IS NULL OR s.org_id IN
                (SELECT id FROM orgs WHERE substr(path, 1, length((SELECT path FROM orgs WHERE id = ?4)))
                                         = (SELECT path FROM orgs WHERE id = ?4)))
           AND (CAST(?5 AS bigint) IS NULL OR s.received_at >= ?5)
           AND (CAST(?6 AS bigint) IS NULL OR s.received_at < ?6)
           AND (CAST(?14 AS text) IS NULL OR s.id IN ({ids_of}))
           AND {due_cond}
         ORDER BY {order}
         LIMIT ?7 OFFSET ?8"
    );
    let limit = filter.limit.unwrap_or(100).min(10_000);
    let (my_id, my_org) = me(actor);
    let ids = filter.ids.as_ref().map(serde_json::to_string).transpose()?;
    let mut stmt = tx.prepare(&sql)?;
    // The text always names ?14, so every one of these has a place, used or not.
    let values: [&dyn crate::store::ToSql; 14] = [
        &path,
        &filter.form,
        &filter.status,
        &filter.org,
        &filter.from,
        &filter.to,
        &limit,
        &filter.offset,
        &now,
        &midnight_after(1),
        &midnight_after(3),
        &my_id,
        &my_org,
        &ids,
    ];
    let mut rows = stmt.query(values)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let (s, f) = summary(&r)?;
        out.push((s, f, r.get::<_, String>(AFTER_SUMMARY)?));
    }
    Ok(out)
}

/// The inbox: newest first, or by urgency (`Filter::sort`).
pub async fn list(
    state: &AppState,
    actor: Actor,
    filter: Filter,
) -> AppResult<Vec<SubmissionSummary>> {
    state
        .db
        .read(move |tx| {
            Ok(filtered(tx, &actor, &filter)?
                .into_iter()
                .map(|(s, _, _)| s)
                .collect())
        })
        .await
}

/// An answer as a person reads it: option labels, 是/否, lists joined.
fn shown(form: Option<&FormDefinition>, key: &str, value: &serde_json::Value) -> String {
    use serde_json::Value;
    let field = form.and_then(|f| f.field(key));
    let label_of = |v: &str| -> String {
        match field.map(|f| &f.input) {
            Some(
                FieldInput::SingleChoice { options } | FieldInput::MultiChoice { options, .. },
            ) => options
                .iter()
                .find(|o| o.value == v)
                .map(|o| o.label.clone())
                .unwrap_or_else(|| v.to_owned()),
            _ => v.to_owned(),
        }
    };
    match value {
        Value::String(s) => label_of(s),
        Value::Bool(true) => "是".into(),
        Value::Bool(false) => "否".into(),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(label_of).unwrap_or_else(|| i.to_string()))
            .collect::<Vec<_>>()
            .join("、"),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn rows_of(form: Option<&FormDefinition>, answers: &str) -> Vec<AnswerRow> {
    let answers: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(answers).unwrap_or_default();
    let mut rows = Vec::new();
    // In the form's order, then anything the form (version) does not name.
    if let Some(form) = form {
        for field in &form.fields {
            if let Some(v) = answers.get(&field.key) {
                rows.push(AnswerRow {
                    key: field.key.clone(),
                    label: field.label.clone(),
                    value: shown(Some(form), &field.key, v),
                });
            }
        }
    }
    for (key, v) in &answers {
        if !rows.iter().any(|r| &r.key == key) {
            rows.push(AnswerRow {
                key: key.clone(),
                label: key.clone(),
                value: shown(form, key, v),
            });
        }
    }
    rows
}

pub(super) fn detail(tx: &Tx<'_>, actor: &Actor, id: &str) -> AppResult<SubmissionDetail> {
    let (cond, path) = actor.subtree_filter("s.org_id");
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS}, s.answers, s.reply
         FROM submissions s
         {SUMMARY_JOINS}
         WHERE {cond} AND (s.id = ?2 OR s.receipt = ?2)"
    );
    let found = tx
        .query_row(&sql, params![path, id], |r| {
            let (s, f) = summary(r)?;
            Ok((
                s,
                f,
                r.get::<_, String>(AFTER_SUMMARY)?,
                r.get::<_, Option<String>>(AFTER_SUMMARY + 1)?,
            ))
        })
        .optional()?;
    let Some((summary, form, answers, reply)) = found else {
        return Err(AppError::not_found(&format!("提交 {id}")));
    };
    let history = tx
        .prepare(
            "SELECT h.at, COALESCE(st.display_name, '系统'), h.from_status, h.to_status, h.reply
             FROM submission_history h LEFT JOIN staff st ON st.id = h.staff_id
             WHERE h.submission_id = ?1 ORDER BY h.id",
        )?
        .query_map([&summary.id], |r| {
            let from: String = r.get(2)?;
            let to: String = r.get(3)?;
            Ok(HistoryEntry {
                at: to_ts(r.get(0)?),
                by: r.get(1)?,
                from: Status::parse(&from).unwrap_or(Status::Received),
                to: Status::parse(&to).unwrap_or(Status::Received),
                reply: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let events = super::assign::events(tx, &summary.id)?;
    Ok(SubmissionDetail {
        answers: rows_of(form.as_ref(), &answers),
        summary,
        reply,
        history,
        events,
    })
}

/// One submission in full, by id or receipt code; the read is audited.
pub async fn get(state: &AppState, actor: Actor, id: String) -> AppResult<SubmissionDetail> {
    let reader = actor.clone();
    let found = state.db.read(move |tx| detail(tx, &reader, &id)).await?;
    audit::record_read(
        state,
        actor,
        AuditAction::View,
        vec![found.summary.id.clone()],
    )
    .await?;
    Ok(found)
}

/// Moves a submission along, with a reply, and records the change.
pub async fn change(
    state: &AppState,
    actor: Actor,
    id: String,
    change: StatusChange,
) -> AppResult<SubmissionDetail> {
    let reply = change
        .reply
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if reply
        .as_ref()
        .is_some_and(|r| r.chars().count() > REPLY_MAX)
    {
        return Err(AppError::bad_request(
            ErrorCode::ReplyTooLong,
            format!("答复最多 {REPLY_MAX} 个字"),
        ));
    }
    if change.status == Status::Replied && reply.is_none() {
        return Err(AppError::bad_request(
            ErrorCode::ReplyRequired,
            "标记为“已答复”时请填写答复内容",
        ));
    }
    let calendar = state.calendar.clone();
    state.db.write(move |tx| {
        let current = detail(tx, &actor, &id)?;
        // A proposal's status is its review's (`proposals::review`, which also rewrites what
        // kiosks show): changed here, 办理进度 and the kiosks would disagree.
        if crate::proposals::is_proposal(tx, &current.summary.id)? {
            return Err(AppError::conflict(
                ErrorCode::InvalidTransition,
                "这是职代会提案，请在“职代会提案”页面审查",
            ));
        }
        let from = current.summary.status;
        if !from.can_become(change.status) {
            return Err(AppError::conflict(
                ErrorCode::InvalidTransition,
                format!(
                    "不能从“{}”改为“{}”",
                    from.label_zh(),
                    change.status.label_zh()
                ),
            ));
        }
        let now = now_ms();
        let new_reply = reply.clone().or(current.reply.clone());
        tx.execute(
            "UPDATE submissions SET status = ?2, reply = ?3, updated_at = ?4 WHERE id = ?1",
            params![current.summary.id, change.status.as_str(), new_reply, now],
        )?;
        // A closed case opened again gets a new deadline from now: the time it was closed is
        // not overdue, so it is not escalated for it.
        let open = |s: Status| crate::deadlines::OPEN.contains(&s.as_str());
        if !open(from) && open(change.status) && current.summary.due_at.is_some() {
            let path: String = tx.query_row(
                "SELECT path FROM orgs WHERE id = ?1",
                [current.summary.org_id.0],
                |r| r.get(0),
            )?;
            crate::deadlines::set_due(
                tx,
                &calendar,
                &current.summary.id,
                &current.summary.form_id.0,
                &path,
                now,
            )?;
        }
        tx.execute(
            "INSERT INTO submission_history (submission_id, staff_id, at, from_status, to_status, reply)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                current.summary.id,
                actor.staff_id(),
                now,
                from.as_str(),
                change.status.as_str(),
                reply
            ],
        )?;
        audit::record(tx, &actor, AuditAction::Change, std::slice::from_ref(&current.summary.id), now)?;
        detail(tx, &actor, &current.summary.id)
    })
    .await
}

/// A cell as Excel should read it: text, never a formula. Employee text that starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a formula (or a DDE command)
/// when the file is opened, so it gets a leading `'`, which spreadsheets read as "this is text"
/// (OWASP's advice for CSV injection). Form labels (staff's text) get the same treatment. A negative number shows as text;
/// that is the price.
fn spreadsheet_safe(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// A filtered list as CSV for Excel: UTF-8 with a byte-order mark, the fixed columns, then one
/// column per form field (by the form's labels; when several forms are exported, the union of
/// their fields, in order of first appearance).
/// The export is audited with every submission it holds.
pub async fn export_csv(state: &AppState, actor: Actor, mut filter: Filter) -> AppResult<Vec<u8>> {
    filter.limit = Some(filter.limit.unwrap_or(10_000).min(10_000));
    let reader = actor.clone();
    let (csv, exported) = state
        .db
        .read(move |tx| {
            let actor = reader;
            let rows = filtered(tx, &actor, &filter)?;
            let exported: Vec<String> = rows.iter().map(|(s, _, _)| s.id.clone()).collect();
            let mut columns: Vec<(String, String)> = Vec::new();
            for (_, form, _) in &rows {
                for field in form.iter().flat_map(|f| &f.fields) {
                    if !matches!(field.input, FieldInput::Section)
                        && !columns.iter().any(|(k, _)| *k == field.key)
                    {
                        columns.push((field.key.clone(), field.label.clone()));
                    }
                }
            }
            let mut out = Vec::from(&b"\xEF\xBB\xBF"[..]);
            {
                let mut w = csv::Writer::from_writer(&mut out);
                let mut header: Vec<String> = [
                    "回执编号",
                    "表单",
                    "单位",
                    "状态",
                    "提交时间",
                    "更新时间",
                    "答复",
                ]
                .iter()
                .map(|s| (*s).to_owned())
                .collect();
                header.extend(columns.iter().map(|(_, label)| label.clone()));
                w.write_record(header.iter().map(|cell| spreadsheet_safe(cell)))
                    .map_err(|e| AppError::internal("writing the csv export", e))?;
                for (s, form, answers) in &rows {
                    let values: serde_json::Map<String, serde_json::Value> =
                        serde_json::from_str(answers).unwrap_or_default();
                    let reply: Option<String> = tx.query_row(
                        "SELECT reply FROM submissions WHERE id = ?1",
                        [&s.id],
                        |r| r.get(0),
                    )?;
                    let mut record = vec![
                        s.receipt.clone(),
                        s.form_title.clone(),
                        s.org_name.clone(),
                        s.status.label_zh().to_owned(),
                        s.submitted_at.to_string(),
                        s.updated_at.to_string(),
                        reply.unwrap_or_default(),
                    ];
                    for (key, _) in &columns {
                        record.push(
                            values
                                .get(key)
                                .map(|v| shown(form.as_ref(), key, v))
                                .unwrap_or_default(),
                        );
                    }
                    w.write_record(record.iter().map(|cell| spreadsheet_safe(cell)))
                        .map_err(|e| AppError::internal("writing the csv export", e))?;
                }
                w.flush()
                    .map_err(|e| AppError::internal("writing the csv export", e))?;
            }
            Ok((out, exported))
        })
        .await?;
    audit::record_read(state, actor, AuditAction::Export, exported).await?;
    Ok(csv)
}

#[cfg(test)]
mod tests;
