//! 职代会提案: proposals to the workers' congress (see `protocol::proposal`).
//!
//! A proposal is a submission whose form is a call for proposals. [`submit`] checks it again
//! (never trusting the kiosk), stores it and numbers it within its call inside the one write
//! transaction that stores the submission (`submissions::store`), and writes its public
//! `proposal` feed item at the call's org. Staff review it ([`review`]: 立案 with the department,
//! 不立案 with the reason, 办结 with the reply), each change in the submission's history and the
//! audit log, its feed item rewritten in the same transaction. The submission's own status and
//! reply follow (待审查 received, 立案 processing, 不立案 rejected, 办结 replied), so the employee's
//! status check (办理进度) answers for a proposal as for any case.

pub mod api;

use crate::db::{now_ms, to_ms, to_ts};
use crate::error::{AppError, AppResult};
use crate::kiosks::Kiosk;
use crate::orgs::Actor;
use crate::state::AppState;
use crate::store::{OptionalExtension, Tx, params};
use crate::workflow::audit;
use axum::http::StatusCode;
use jiff::Timestamp;
use protocol::answers::china_date;
use protocol::proposal::{Proposal, ProposalCall, ProposalEntry, ProposalStatus, Review, Signer};
use protocol::staff::AuditAction;
use protocol::submission::{FormAnswers, SubmissionUpload};
use protocol::workflow::Status;
use protocol::{ContentBody, ContentId, ContentItem, ContentKind, ErrorCode, OrgId};
use serde::{Deserialize, Serialize};

/// The call's title for the inbox and the status check, from a stored version's body; `None`
/// for another kind.
pub(crate) fn call_title(body: &str) -> Option<String> {
    match serde_json::from_str(body).ok()? {
        ContentBody::ProposalCall(c) => Some(format!("{}（提案）", c.title)),
        _ => None,
    }
}

/// The submission's status that stands for a proposal's.
fn case_status(status: ProposalStatus) -> Status {
    match status {
        ProposalStatus::Pending => Status::Received,
        ProposalStatus::Accepted => Status::Processing,
        ProposalStatus::Declined => Status::Rejected,
        ProposalStatus::Done => Status::Replied,
    }
}

fn invalid(message: &str) -> AppError {
    AppError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidAnswers,
        format!("提案未通过检查：{message}"),
    )
}

/// Stores a proposal as a submission and numbers it, inside the caller's write transaction
/// (`submissions::store`, which has already recognised resends). `call` is the call as the
/// kiosk wrote against it (that version). Returns the org whose kiosks must hear of it.
pub(crate) fn submit(
    tx: &Tx<'_>,
    kiosk: &Kiosk,
    upload: &SubmissionUpload,
    receipt: &str,
    fingerprint: &[u8],
    answers: &FormAnswers,
    call: &ProposalCall,
) -> AppResult<Vec<OrgId>> {
    let received = Timestamp::now();
    // Judged as of when it was written (an offline kiosk delivers late), never later than now.
    let written = upload.submitted_at.min(received);
    let call_id = upload.form_id.0.as_str();
    // The call as it stands now, not only the version the kiosk had: staff who closed it early
    // or withdrew it are obeyed by kiosks that have not synced since.
    let now: Option<(i64, bool, String)> = tx
        .prepare_cached("SELECT org_id, live, body FROM content WHERE id = ?1 AND kind = ?2")?
        .query_row(params![call_id, ContentKind::ProposalCall.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let Some((org, true, body)) = now else {
        return Err(invalid("提案征集已经撤回"));
    };
    let still_open = match serde_json::from_str(&body)? {
        ContentBody::ProposalCall(current) => current.open_at(written),
        _ => false,
    };
    if !call.open_at(written) || !still_open {
        return Err(invalid("提案征集已经截止"));
    }
    let (entry, prepared) =
        ProposalEntry::from_answers(call, &answers.answers, china_date(written))
            .map_err(|e| invalid(&e.0))?;
    // Published at the call's org.
    let at = to_ms(received);
    tx.prepare_cached(
        "INSERT INTO submissions (id, receipt, kiosk_id, org_id, form_id, form_version,
             upload_sha256, answers, phone_last4, submitted_at, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        upload.id,
        receipt,
        kiosk.id.0,
        kiosk.org.0,
        call_id,
        upload.form_version,
        fingerprint,
        serde_json::to_string(&prepared)?,
        &entry.phone[entry.phone.len().saturating_sub(4)..],
        to_ms(written),
        at
    ])?;
    insert(tx, &upload.id, call_id, OrgId(org), &entry, at)?;
    Ok(vec![write_item(tx, &upload.id)?])
}

/// Numbers a proposal within its call (the next number) and stores it pending. `false` when a
/// proposal with this id is already stored (nothing changes).
pub(crate) fn insert(
    tx: &Tx<'_>,
    id: &str,
    call_id: &str,
    org: OrgId,
    entry: &ProposalEntry,
    at: i64,
) -> AppResult<bool> {
    let number: u32 = tx
        .prepare_cached("SELECT COALESCE(MAX(number), 0) + 1 FROM proposals WHERE call_id = ?1")?
        .query_row([call_id], |r| r.get(0))?;
    let added = tx
        .prepare_cached(
            "INSERT INTO proposals (submission_id, call_id, org_id, number, status,
                 title, reasons, measures, proposer, cosigners, received_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6, ?7, ?8, ?9, ?10, ?10)
             ON CONFLICT (submission_id) DO NOTHING",
        )?
        .execute(params![
            id,
            call_id,
            org.0,
            number,
            entry.title,
            entry.reasons,
            entry.measures,
            serde_json::to_string(&entry.proposer)?,
            serde_json::to_string(&entry.cosigners)?,
            at
        ])?;
    Ok(added == 1)
}

/// One proposal as staff read it (never the phone number: that stays in the answers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffProposal {
    pub submission_id: String,
    pub receipt: String,
    pub call: ContentId,
    pub org_id: OrgId,
    pub updated_at: Timestamp,
    /// What the kiosks show once it is reviewed, with everything filled in.
    pub proposal: Proposal,
}

const COLUMNS: &str =
    "p.submission_id, COALESCE(s.receipt, ''), p.call_id, p.org_id, p.number, p.status,
     p.title, p.reasons, p.measures, p.proposer, p.cosigners, p.department, p.reason, p.reply,
     p.received_at, p.updated_at";

fn read_row(r: &crate::store::Row<'_>) -> crate::store::Result<StaffProposal> {
    let json = |i: usize| -> crate::store::Result<String> { r.get(i) };
    let status: String = r.get(5)?;
    let proposer: Signer =
        serde_json::from_str(&json(9)?).map_err(|e| crate::store::Error::conversion(9, e))?;
    let cosigners: Vec<Signer> =
        serde_json::from_str(&json(10)?).map_err(|e| crate::store::Error::conversion(10, e))?;
    Ok(StaffProposal {
        submission_id: r.get(0)?,
        receipt: r.get(1)?,
        call: ContentId(r.get(2)?),
        org_id: OrgId(r.get(3)?),
        updated_at: to_ts(r.get(15)?),
        proposal: Proposal {
            call: ContentId(r.get(2)?),
            number: r.get(4)?,
            received_on: china_date(to_ts(r.get(14)?)),
            status: ProposalStatus::parse(&status).unwrap_or(ProposalStatus::Pending),
            title: r.get(6)?,
            reasons: r.get(7)?,
            measures: r.get(8)?,
            proposer: Some(proposer),
            cosigners,
            department: r.get(11)?,
            reason: r.get(12)?,
            reply: r.get(13)?,
        },
    })
}

fn one(tx: &Tx<'_>, submission: &str) -> AppResult<Option<StaffProposal>> {
    Ok(tx
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM proposals p LEFT JOIN submissions s ON s.id = p.submission_id
             WHERE p.submission_id = ?1"
        ))?
        .query_row([submission], read_row)
        .optional()?)
}

/// What the kiosks see of a proposal: all of it once reviewed, its number, day and status
/// while pending.
pub fn public(p: &StaffProposal) -> Proposal {
    if p.proposal.status != ProposalStatus::Pending {
        return p.proposal.clone();
    }
    Proposal {
        title: String::new(),
        reasons: String::new(),
        measures: String::new(),
        proposer: None,
        cosigners: Vec::new(),
        ..p.proposal.clone()
    }
}

/// Rewrites the proposal's feed item at its org. Returns the org.
pub(crate) fn write_item(tx: &Tx<'_>, submission: &str) -> AppResult<OrgId> {
    let p = one(tx, submission)?
        .ok_or_else(|| AppError::internal("proposals", "a proposal vanished while written"))?;
    let id = Proposal::id_for(submission);
    let item = ContentItem {
        id: id.clone(),
        org_id: p.org_id,
        version: 1,
        updated_at: p.updated_at,
        publish_at: None,
        expire_at: None,
        body: ContentBody::Proposal(public(&p)),
    };
    crate::feed::put(
        tx,
        &id,
        p.org_id,
        ContentKind::Proposal,
        Some(&serde_json::to_string(&item)?),
    )?;
    Ok(p.org_id)
}

/// The proposal if the actor may act on it (the call's org in their subtree); unknown
/// otherwise.
fn own(tx: &Tx<'_>, actor: &Actor, submission: &str) -> AppResult<StaffProposal> {
    let unknown = || AppError::not_found(&format!("提案 {submission}"));
    let p = one(tx, submission)?.ok_or_else(unknown)?;
    match actor.check_org(tx, p.org_id) {
        Ok(()) => Ok(p),
        Err(e) if e.code == ErrorCode::OutsideYourOrg => Err(unknown()),
        Err(e) => Err(e),
    }
}

/// Every proposal the actor may see (the call's org in their subtree), of one call and status
/// when given, newest call first and by number.
pub async fn list(
    state: &AppState,
    actor: Actor,
    call: Option<String>,
    status: Option<ProposalStatus>,
) -> AppResult<Vec<StaffProposal>> {
    let path = match &actor {
        Actor::Staff { org_path, .. } => org_path.clone(),
        Actor::Operator => "/".to_owned(),
    };
    state
        .db
        .read(move |tx| {
            Ok(tx
                .prepare(&format!(
                    "SELECT {COLUMNS} FROM proposals p
                     LEFT JOIN submissions s ON s.id = p.submission_id JOIN orgs o ON o.id = p.org_id
                     WHERE substr(o.path, 1, length(?1)) = ?1
                       AND (CAST(?2 AS text) IS NULL OR p.call_id = ?2)
                       AND (CAST(?3 AS text) IS NULL OR p.status = ?3)
                     ORDER BY p.call_id, p.number"
                ))?
                .query_map(
                    params![path, call, status.map(ProposalStatus::as_str)],
                    read_row,
                )?
                .collect::<Result<_, _>>()?)
        })
        .await
}

/// One proposal for staff.
pub async fn get(state: &AppState, actor: Actor, submission: String) -> AppResult<StaffProposal> {
    state.db.read(move |tx| own(tx, &actor, &submission)).await
}

/// A staff member reviews a proposal: its status moves forward with what the new status needs,
/// the submission's status and reply follow with a history row, the audit log records it, and
/// its feed item is rewritten, all in one transaction.
pub async fn review(
    state: &AppState,
    actor: Actor,
    submission: String,
    review: Review,
) -> AppResult<StaffProposal> {
    if let Some(problem) = review.problem() {
        return Err(AppError::bad_request(ErrorCode::InvalidContent, problem));
    }
    let (p, org, head) = state
        .db
        .write(move |tx| {
            let current = own(tx, &actor, &submission)?;
            let next = decide(tx, &current, &review)?;
            let org = write_item(tx, &submission)?;
            if next.case {
                record_case(
                    tx,
                    &actor,
                    &submission,
                    current.proposal.status,
                    review.status,
                    &next.reply,
                )?;
            }
            let p = own(tx, &actor, &submission)?;
            Ok((p, org, crate::content::feed_head(tx)?))
        })
        .await?;
    crate::places::announce(state, &[org], head);
    Ok(p)
}

/// What a review changed: the reply the case now carries, and whether there is a case (a
/// demo proposal has no submission behind it).
pub(crate) struct Decided {
    reply: String,
    case: bool,
}

/// Applies a review to the proposal row, if its status may move so (the caller has checked
/// the actor and the review's text). Also how the demo gives its proposals their status.
pub(crate) fn decide(tx: &Tx<'_>, current: &StaffProposal, review: &Review) -> AppResult<Decided> {
    let from = current.proposal.status;
    if !from.may_become(review.status) {
        return Err(AppError::conflict(
            ErrorCode::InvalidTransition,
            format!(
                "不能从“{}”改为“{}”",
                from.label_zh(),
                review.status.label_zh()
            ),
        ));
    }
    let (department, reason, reply) = (
        review.department.trim(),
        review.reason.trim(),
        review.reply.trim(),
    );
    let (department, reason, reply, case_reply) = match review.status {
        ProposalStatus::Accepted => (department, "", "", format!("已立案，由{department}承办。")),
        ProposalStatus::Declined => ("", reason, "", format!("不予立案：{reason}")),
        _ => (
            current.proposal.department.as_str(),
            "",
            reply,
            reply.to_owned(),
        ),
    };
    tx.execute(
        "UPDATE proposals SET status = ?2, department = ?3, reason = ?4, reply = ?5,
             updated_at = ?6 WHERE submission_id = ?1",
        params![
            current.submission_id,
            review.status.as_str(),
            department,
            reason,
            reply,
            now_ms()
        ],
    )?;
    Ok(Decided {
        reply: case_reply,
        case: !current.receipt.is_empty(),
    })
}

/// The submission behind a proposal follows its status: its status and reply, a history row
/// and the audit log's entry for the staff member's change.
fn record_case(
    tx: &Tx<'_>,
    actor: &Actor,
    submission: &str,
    from: ProposalStatus,
    to: ProposalStatus,
    reply: &str,
) -> AppResult<()> {
    let now = now_ms();
    let (case_from, case_to) = (case_status(from), case_status(to));
    tx.execute(
        "UPDATE submissions SET status = ?2, reply = ?3, updated_at = ?4 WHERE id = ?1",
        params![submission, case_to.as_str(), reply, now],
    )?;
    tx.execute(
        "INSERT INTO submission_history (submission_id, staff_id, at, from_status, to_status,
             reply)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            submission,
            actor.staff_id(),
            now,
            case_from.as_str(),
            case_to.as_str(),
            reply
        ],
    )?;
    audit::record(
        tx,
        actor,
        AuditAction::Change,
        &[submission.to_owned()],
        now,
    )
}

/// Adds a proposal with no submission behind it (the demo's), reviewed as `reviews` say, and
/// writes its feed item. `None` when it is already there (nothing changes).
pub(crate) fn add_reviewed(
    tx: &Tx<'_>,
    id: &str,
    call_id: &str,
    org: OrgId,
    entry: &ProposalEntry,
    reviews: &[Review],
) -> AppResult<Option<OrgId>> {
    if !insert(tx, id, call_id, org, entry, now_ms())? {
        return Ok(None);
    }
    for review in reviews {
        let current = one(tx, id)?
            .ok_or_else(|| AppError::internal("proposals", "a proposal vanished while written"))?;
        decide(tx, &current, review)?;
    }
    write_item(tx, id).map(Some)
}

/// Whether submission `id` is a proposal (its status moves only by review).
pub(crate) fn is_proposal(tx: &Tx<'_>, id: &str) -> AppResult<bool> {
    Ok(tx
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM proposals WHERE submission_id = ?1)")?
        .query_row([id], |r| r.get(0))?)
}
