//! The staff side of submissions: the inbox (filtered, newest first), one submission in full,
//! status changes with their history, and the CSV export for Excel.
//!
//! Staff see and change only submissions whose org (the kiosk's org when it was sent) is in
//! their subtree; one outside it is "not found", like one that does not exist. Every status
//! change is written with who, when, from, to and the reply, in the same transaction. Every
//! read of answers (one submission, an export, a change's answer) is in the audit log.

use protocol::ErrorCode;
use protocol::content::{FieldInput, FormDefinition};
use protocol::staff::AuditAction;
use protocol::workflow::{
    AnswerRow, HistoryEntry, REPLY_MAX, Status, StatusChange, SubmissionDetail, SubmissionSummary,
};
use protocol::{ContentId, KioskId, OrgId};
use rusqlite::{OptionalExtension, Transaction, params};

use super::audit;
use super::form_of;
use crate::db::{now_ms, to_ts};
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
    #[serde(default)]
    pub offset: u32,
    pub limit: Option<u32>,
}

const SUMMARY_COLUMNS: &str = "s.id, s.receipt, s.form_id, s.form_version, fv.body, s.org_id,
     o.name, s.kiosk_id, s.status, s.submitted_at, COALESCE(s.updated_at, s.received_at)";

fn summary(r: &rusqlite::Row<'_>) -> rusqlite::Result<(SubmissionSummary, Option<FormDefinition>)> {
    let body: Option<String> = r.get(4)?;
    let form = body.as_deref().and_then(form_of);
    let status: String = r.get(8)?;
    Ok((
        SubmissionSummary {
            id: r.get(0)?,
            receipt: r.get(1)?,
            form_id: ContentId(r.get(2)?),
            form_version: r.get(3)?,
            form_title: form.as_ref().map(|f| f.title.clone()).unwrap_or_default(),
            org_id: OrgId(r.get(5)?),
            org_name: r.get(6)?,
            kiosk_id: KioskId(r.get(7)?),
            status: Status::parse(&status).unwrap_or(Status::Received),
            submitted_at: to_ts(r.get(9)?),
            updated_at: to_ts(r.get(10)?),
        },
        form,
    ))
}

fn filtered(
    tx: &Transaction<'_>,
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
    let (cond, path) = actor.subtree_filter("s.org_id");
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS}, s.answers
         FROM submissions s
         JOIN orgs o ON o.id = s.org_id
         LEFT JOIN form_versions fv ON fv.form_id = s.form_id AND fv.version = s.form_version
         WHERE {cond}
           AND (?2 IS NULL OR s.form_id = ?2)
           AND (?3 IS NULL OR s.status = ?3)
           AND (?4 IS NULL OR s.org_id IN
                (SELECT id FROM orgs WHERE substr(path, 1, length((SELECT path FROM orgs WHERE id = ?4)))
                                         = (SELECT path FROM orgs WHERE id = ?4)))
           AND (?5 IS NULL OR s.received_at >= ?5)
           AND (?6 IS NULL OR s.received_at < ?6)
         ORDER BY s.received_at DESC, s.id
         LIMIT ?7 OFFSET ?8"
    );
    let limit = filter.limit.unwrap_or(100).min(10_000);
    let rows = tx
        .prepare(&sql)?
        .query_map(
            params![
                path,
                filter.form,
                filter.status,
                filter.org,
                filter.from,
                filter.to,
                limit,
                filter.offset
            ],
            |r| {
                let (s, f) = summary(r)?;
                Ok((s, f, r.get::<_, String>(11)?))
            },
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The inbox: newest first.
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

fn detail(tx: &Transaction<'_>, actor: &Actor, id: &str) -> AppResult<SubmissionDetail> {
    let (cond, path) = actor.subtree_filter("s.org_id");
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS}, s.answers, s.reply
         FROM submissions s
         JOIN orgs o ON o.id = s.org_id
         LEFT JOIN form_versions fv ON fv.form_id = s.form_id AND fv.version = s.form_version
         WHERE {cond} AND (s.id = ?2 OR s.receipt = ?2)"
    );
    let found = tx
        .query_row(&sql, params![path, id], |r| {
            let (s, f) = summary(r)?;
            Ok((
                s,
                f,
                r.get::<_, String>(11)?,
                r.get::<_, Option<String>>(12)?,
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
    Ok(SubmissionDetail {
        answers: rows_of(form.as_ref(), &answers),
        summary,
        reply,
        history,
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
    state.db.write(move |tx| {
        let current = detail(tx, &actor, &id)?;
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
