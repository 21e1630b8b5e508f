//! 民主管理: polls and surveys (`protocol::poll`). A vote is a submission whose form is a poll,
//! counted in the one write transaction that stores it ([`vote`], called from
//! `submissions::store`, as a booking is allocated).
//!
//! One vote per person: the voter is an HMAC-SHA256 of the normalised phone number under a key
//! of its own for each poll, derived from the server's submission key (a file beside the
//! database, not in it), kept in `poll_voters` with nothing else. An anonymous poll keeps no
//! choice beside anything that names a vote: its submission row holds no answers, its tallies
//! (`poll_tallies`) are counts only, and `poll_ballots` says only whether a submission was
//! counted. A named poll keeps the vote's answers (name, phone, choices) in the submission, read
//! by staff only through the audited paths. `SECURITY.md` has the argument.
//!
//! The results item (`PollResults`) is rewritten after every counted vote and on every write of
//! the poll, published where the poll is while staff show results on kiosks, and tombstoned
//! when they stop.

pub mod results;

use crate::db::to_ms;
use crate::error::{AppError, AppResult};
use crate::kiosks::Kiosk;
use crate::store::{OptionalExtension, Tx, params};
use axum::http::StatusCode;
use jiff::Timestamp;
use protocol::answers::{Lang, china_date, describe};
use protocol::poll::{PHONE_KEY, Poll, VoteOutcome, VoteRefusal};
use protocol::submission::{FormAnswers, SubmissionUpload};
use protocol::{ContentBody, ContentId, ContentKind, ErrorCode, OrgId};

/// The poll as it stands now: its org, whether kiosks show it, and its body.
pub(crate) struct Current {
    pub org: OrgId,
    pub live: bool,
    pub poll: Poll,
}

pub(crate) fn current(tx: &Tx<'_>, id: &str) -> AppResult<Option<Current>> {
    let row: Option<(i64, bool, String)> = tx
        .prepare_cached("SELECT org_id, live, body FROM content WHERE id = ?1 AND kind = ?2")?
        .query_row(params![id, ContentKind::Poll.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let Some((org, live, body)) = row else {
        return Ok(None);
    };
    match serde_json::from_str(&body)? {
        ContentBody::Poll(poll) => Ok(Some(Current {
            org: OrgId(org),
            live,
            poll,
        })),
        _ => Err(AppError::internal(
            "content",
            "a poll row holds another kind",
        )),
    }
}

/// The title of a poll's stored version body (`form_versions.body`), for the inbox and the
/// status check. `None` for another kind.
pub(crate) fn poll_title(body: &str) -> Option<String> {
    match serde_json::from_str(body).ok()? {
        ContentBody::Poll(p) => Some(format!("{}（投票）", p.title)),
        _ => None,
    }
}

/// Who voted, as far as "one vote per person" goes: HMAC-SHA256 of the phone under this poll's
/// own key, itself an HMAC of the poll's id under the server's submission key. Without that key
/// file a copy of the database cannot test a phone number against it.
fn voter(secret: &crypto_box::SecretKey, poll: &str, phone: &str) -> Vec<u8> {
    crate::submissions::keyed_person(secret, b"union-kiosk poll voter v1\0", poll, phone)
}

fn invalid_vote(message: String) -> AppError {
    AppError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidAnswers,
        format!("投票未通过检查：{message}"),
    )
}

/// Stores a vote as a submission and counts it, inside the caller's write transaction
/// (`submissions::store`, which has already recognised resends). `asked`: the poll's version
/// the vote was cast on. Returns the orgs whose kiosks must hear of new results.
#[allow(clippy::too_many_arguments)]
pub(crate) fn vote(
    tx: &Tx<'_>,
    secret: &crypto_box::SecretKey,
    kiosk: &Kiosk,
    upload: &SubmissionUpload,
    receipt: &str,
    fingerprint: &[u8],
    answers: &FormAnswers,
    asked: &Poll,
) -> AppResult<Vec<OrgId>> {
    let received = Timestamp::now();
    // Judged as of when the employee voted (an offline queue delivers late), never later than
    // now: a kiosk clock running ahead gains nothing.
    let cast_at = upload.submitted_at.min(received);
    let form = asked.vote_form();
    let checked = form
        .prepare_answers(&answers.answers, china_date(cast_at))
        .map_err(|errors| invalid_vote(describe(&form, &errors, Lang::Zh)))?;
    let chosen = asked
        .chosen(&checked)
        .ok_or_else(|| invalid_vote("选择与问题不符".to_owned()))?;
    let phone = checked
        .get(PHONE_KEY)
        .and_then(|v| v.as_str())
        .ok_or_else(|| invalid_vote("没有手机号码".to_owned()))?
        .to_owned();
    let poll_id = upload.form_id.0.as_str();
    let now = current(tx, poll_id)?;
    let who = voter(secret, poll_id, &phone);
    let refusal = match now.as_ref().filter(|c| c.live) {
        None => Some(VoteRefusal::Withdrawn),
        Some(c) if !c.poll.is_open(cast_at) => Some(VoteRefusal::Closed),
        // Its choices are positions in the version it was cast on: counted against questions
        // that have changed shape (or into an anonymous poll from a named one) they would land
        // on the wrong choices.
        Some(c) if !same_shape(asked, &c.poll) => Some(VoteRefusal::Changed),
        Some(_) => {
            let seen: bool = tx
                .prepare_cached(
                    "SELECT EXISTS(SELECT 1 FROM poll_voters WHERE poll_id = ?1 AND voter = ?2)",
                )?
                .query_row(params![poll_id, who], |r| r.get(0))?;
            seen.then_some(VoteRefusal::AlreadyVoted)
        }
    };
    // An anonymous poll's submission keeps what exactly-once and the status check need (id,
    // receipt, fingerprint, the phone's last four digits), never the choices.
    let kept = if asked.anonymous {
        "{}".to_owned()
    } else {
        serde_json::to_string(&checked)?
    };
    let status = if refusal.is_some() {
        "rejected"
    } else {
        "approved"
    };
    tx.prepare_cached(
        "INSERT INTO submissions (id, receipt, kiosk_id, org_id, form_id, form_version,
             upload_sha256, answers, phone_last4, status, submitted_at, received_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
    )?
    .execute(params![
        upload.id,
        receipt,
        kiosk.id.0,
        kiosk.org.0,
        poll_id,
        upload.form_version,
        fingerprint,
        kept,
        &phone[phone.len().saturating_sub(4)..],
        status,
        to_ms(cast_at),
        to_ms(received)
    ])?;
    tx.prepare_cached(
        "INSERT INTO poll_ballots (submission_id, poll_id, refusal) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![
        upload.id,
        poll_id,
        refusal.map(VoteRefusal::as_str)
    ])?;
    let (Some(now), None) = (now, refusal) else {
        return Ok(Vec::new());
    };
    tx.prepare_cached("INSERT INTO poll_voters (poll_id, voter) VALUES (?1, ?2)")?
        .execute(params![poll_id, who])?;
    let mut add = tx.prepare_cached(
        "INSERT INTO poll_tallies (poll_id, question, bucket, votes) VALUES (?1, ?2, ?3, 1)
         ON CONFLICT (poll_id, question, bucket) DO UPDATE SET votes = poll_tallies.votes + 1",
    )?;
    for (q, buckets) in chosen.iter().enumerate() {
        for b in buckets {
            add.execute(params![poll_id, q as i64, *b as i64])?;
        }
    }
    results::write(tx, poll_id, &now, to_ms(received))
}

/// Whether the vote of submission `submission` was counted; `None` when it is not a vote.
pub(crate) fn outcome(
    tx: &Tx<'_>,
    submission: &str,
    version_body: Option<&str>,
) -> AppResult<Option<VoteOutcome>> {
    let row: Option<(String, Option<String>)> = tx
        .prepare_cached("SELECT poll_id, refusal FROM poll_ballots WHERE submission_id = ?1")?
        .query_row([submission], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((poll_id, refusal)) = row else {
        return Ok(None);
    };
    let title = match version_body.and_then(|b| serde_json::from_str(b).ok()) {
        Some(ContentBody::Poll(p)) => p.title,
        _ => current(tx, &poll_id)?
            .map(|c| c.poll.title)
            .unwrap_or_default(),
    };
    Ok(Some(VoteOutcome {
        poll_title: title,
        refusal: refusal.as_deref().and_then(VoteRefusal::parse),
    }))
}

/// Whether votes cast on `a` count against `b` as they are: the same questions of the same
/// kinds with as many choices each, and the same anonymity.
fn same_shape(a: &Poll, b: &Poll) -> bool {
    a.anonymous == b.anonymous
        && a.questions.len() == b.questions.len()
        && a.questions
            .iter()
            .zip(&b.questions)
            .all(|(x, y)| x.kind == y.kind && x.choices.len() == y.choices.len())
}

/// Called by `content` before a poll is replaced: once votes are counted, its questions and
/// their choices stay as they are (the tallies are counted against them), and an anonymous poll
/// stays anonymous (a named one may not become anonymous either: its votes are kept with names).
pub(crate) fn check_edit(tx: &Tx<'_>, id: &ContentId, new: &Poll) -> AppResult<()> {
    let Some(old) = current(tx, &id.0)? else {
        return Ok(());
    };
    let voted: bool = tx
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM poll_ballots WHERE poll_id = ?1)")?
        .query_row([&id.0], |r| r.get(0))?;
    if voted && !same_shape(&old.poll, new) {
        return Err(AppError::conflict(
            ErrorCode::InvalidContent,
            "已有人投票：问题、选项的数目和类型以及是否匿名都不能再改（可以改文字、截止时间和是否在终端公布结果）",
        ));
    }
    Ok(())
}

/// Called by `content` after every write of a poll: publishes, rewrites or withdraws its
/// results item. Returns the orgs touched.
pub(crate) fn written(
    tx: &Tx<'_>,
    id: &ContentId,
    org: OrgId,
    live: bool,
    poll: &Poll,
    at: i64,
) -> AppResult<Vec<OrgId>> {
    // PostgreSQL keeps old row versions and the order of writes where SQLite's secure delete
    // and WAL checkpoint do not (docs/scale-out.md): a ballot could be linked to its voter.
    if poll.anonymous && tx.is_postgres() {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidContent,
            "本服务器使用 PostgreSQL 数据库，暂不支持匿名投票（无法保证选票与投票人不被关联）；请改为实名投票 / \
             Anonymous polls are not available on a PostgreSQL database yet",
        ));
    }
    let now = Current {
        org,
        live,
        poll: poll.clone(),
    };
    results::write(tx, &id.0, &now, at)
}
