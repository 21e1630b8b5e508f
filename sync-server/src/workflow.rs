//! Staff work on submissions, and employees check on them.
//!
//! Staff see and change only submissions whose org (the kiosk's org when it was sent) is in
//! their subtree; one outside it is "not found", like one that does not exist. Every status
//! change is written with who, when, from, to and the reply, in the same transaction.
//!
//! The status check answers a receipt code plus the last four phone digits. An unknown code and
//! a wrong pair get the same answer, and each kiosk may ask only so often, so codes cannot be
//! probed from a lobby.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use protocol::content::{ContentBody, FieldInput, FormDefinition};
use protocol::workflow::{
    AnswerRow, Health, Heartbeat, HistoryEntry, REPLY_MAX, Status, StatusAnswer, StatusChange,
    StatusQuery, SubmissionDetail, SubmissionSummary,
};
use protocol::{ContentId, KioskId, OrgId};
use rusqlite::{OptionalExtension, Transaction, params};

use crate::db::{Db, now_ms, to_ts};
use crate::error::{AppError, AppResult};
use crate::kiosks::Kiosk;
use crate::orgs::Actor;

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

fn form_of(body: &str) -> Option<FormDefinition> {
    match serde_json::from_str::<ContentBody>(body).ok()? {
        ContentBody::Form(f) => Some(f),
        _ => None,
    }
}

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
            "invalid_status",
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
pub async fn list(db: &Db, actor: Actor, filter: Filter) -> AppResult<Vec<SubmissionSummary>> {
    db.read(move |tx| {
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

/// One submission in full, by id or receipt code.
pub async fn get(db: &Db, actor: Actor, id: String) -> AppResult<SubmissionDetail> {
    db.read(move |tx| detail(tx, &actor, &id)).await
}

/// Moves a submission along, with a reply, and records the change.
pub async fn change(
    db: &Db,
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
            "reply_too_long",
            format!("答复最多 {REPLY_MAX} 个字"),
        ));
    }
    if change.status == Status::Replied && reply.is_none() {
        return Err(AppError::bad_request(
            "reply_required",
            "标记为“已答复”时请填写答复内容",
        ));
    }
    db.write(move |tx| {
        let current = detail(tx, &actor, &id)?;
        let from = current.summary.status;
        if !from.can_become(change.status) {
            return Err(AppError::conflict(
                "invalid_transition",
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
        detail(tx, &actor, &current.summary.id)
    })
    .await
}

/// A filtered list as CSV for Excel: UTF-8 with a byte-order mark, the fixed columns, then one
/// column per form field (by the form's labels; when several forms are exported, the union of
/// their fields, in order of first appearance).
pub async fn export_csv(db: &Db, actor: Actor, mut filter: Filter) -> AppResult<Vec<u8>> {
    filter.limit = Some(filter.limit.unwrap_or(10_000).min(10_000));
    db.read(move |tx| {
        let rows = filtered(tx, &actor, &filter)?;
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
            w.write_record(&header)
                .map_err(|e| AppError::internal("csv", e.to_string()))?;
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
                w.write_record(&record)
                    .map_err(|e| AppError::internal("csv", e.to_string()))?;
            }
            w.flush()
                .map_err(|e| AppError::internal("csv", e.to_string()))?;
        }
        Ok(out)
    })
    .await
}

/// Status checks a kiosk may make per minute.
pub const CHECKS_PER_MINUTE: usize = 10;

/// Per-kiosk sliding window of recent status checks.
#[derive(Debug, Default)]
pub struct CheckLimiter {
    recent: Mutex<HashMap<String, Vec<Instant>>>,
}

impl CheckLimiter {
    fn allow(&self, kiosk: &KioskId) -> bool {
        let now = Instant::now();
        let mut recent = self
            .recent
            .lock()
            .expect("the limiter lock is never held across a panic");
        let times = recent.entry(kiosk.0.clone()).or_default();
        times.retain(|t| now.duration_since(*t) < Duration::from_secs(60));
        if times.len() >= CHECKS_PER_MINUTE {
            return false;
        }
        times.push(now);
        true
    }
}

/// A typed receipt code as stored: upper case, spaces gone, the dash put back.
pub fn normalise_receipt(typed: &str) -> String {
    let mut code: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if code.len() > 3 {
        code.insert(3, '-');
    }
    code
}

fn not_found() -> AppError {
    AppError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "没有找到这条记录：请核对回执编号和手机号后四位。",
    )
}

/// The employee's status check, through a kiosk.
pub async fn check(
    db: &Db,
    limiter: &CheckLimiter,
    kiosk: Kiosk,
    query: StatusQuery,
) -> AppResult<StatusAnswer> {
    if !limiter.allow(&kiosk.id) {
        return Err(AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_checks",
            "查询太频繁了，请一分钟后再试。",
        ));
    }
    let receipt = normalise_receipt(&query.receipt);
    let last4: String = query
        .phone_last4
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if last4.len() != 4 {
        return Err(not_found());
    }
    db.read(move |tx| {
        let found = tx
            .query_row(
                "SELECT s.receipt, fv.body, s.status, s.reply, s.submitted_at,
                        COALESCE(s.updated_at, s.received_at), s.phone_last4
                 FROM submissions s
                 LEFT JOIN form_versions fv ON fv.form_id = s.form_id AND fv.version = s.form_version
                 WHERE s.receipt = ?1",
                [&receipt],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, Option<String>>(6)?,
                    ))
                },
            )
            .optional()?;
        match found {
            Some((receipt, body, status, reply, submitted, updated, Some(phone)))
                if crate::secrets::hashes_equal(phone.as_bytes(), last4.as_bytes()) =>
            {
                Ok(StatusAnswer {
                    receipt,
                    form_title: body
                        .as_deref()
                        .and_then(form_of)
                        .map(|f| f.title)
                        .unwrap_or_default(),
                    status: Status::parse(&status).unwrap_or(Status::Received),
                    reply,
                    submitted_at: to_ts(submitted),
                    updated_at: to_ts(updated),
                })
            }
            _ => Err(not_found()),
        }
    })
    .await
}

/// Stores a kiosk's heartbeat.
pub async fn heartbeat(db: &Db, kiosk: Kiosk, beat: Heartbeat) -> AppResult<()> {
    let json = serde_json::to_string(&beat)?;
    db.write(move |tx| {
        tx.execute(
            "UPDATE kiosks SET heartbeat = ?2, heartbeat_at = ?3, last_seen_at = ?3,
                 version = ?4 WHERE id = ?1",
            params![kiosk.id.0, json, now_ms(), beat.version],
        )?;
        Ok(())
    })
    .await
}

/// How often kiosks send heartbeats (the kiosk's sync engine uses the same figure).
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(120);

/// A kiosk's health from when it was last heard from and its last good sync.
pub fn health(
    now_ms: i64,
    heartbeat_at: Option<i64>,
    last_sync: Option<jiff::Timestamp>,
) -> Health {
    let window = 2 * HEARTBEAT_EVERY.as_millis() as i64;
    match heartbeat_at {
        Some(at) if now_ms - at <= window => {
            let synced_recently =
                last_sync.is_some_and(|t| now_ms - t.as_millisecond() <= 30 * 60 * 1000);
            if synced_recently {
                Health::Online
            } else {
                Health::Stale
            }
        }
        _ => Health::Offline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_receipts_are_normalised() {
        assert_eq!(normalise_receipt("k7p-2q4x"), "K7P-2Q4X");
        assert_eq!(normalise_receipt(" K7P 2Q4X "), "K7P-2Q4X");
        assert_eq!(normalise_receipt("k7p2q4x"), "K7P-2Q4X");
        assert_eq!(normalise_receipt("k7"), "K7");
    }

    #[test]
    fn health_follows_heartbeats_and_syncs() {
        let now = 10 * 3600 * 1000;
        let synced = Some(to_ts(now - 60_000));
        assert_eq!(health(now, Some(now - 60_000), synced), Health::Online);
        assert_eq!(
            health(now, Some(now - 60_000), Some(to_ts(now - 3 * 3600 * 1000))),
            Health::Stale
        );
        assert_eq!(
            health(now, Some(now - 3600 * 1000), synced),
            Health::Offline
        );
        assert_eq!(health(now, None, None), Health::Offline);
    }
}
