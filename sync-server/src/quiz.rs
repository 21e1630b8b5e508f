//! 知识竞赛 on the server: scoring the rounds kiosks send, the ranking, and staff's figures.
//!
//! A round or a ranking entry is a submission whose form is a quiz (`protocol::quiz`). It is
//! taken in the one write transaction that stores submissions ([`take`], called from
//! `submissions::store`, which has already recognised resends). A round is scored again from the
//! quiz version it names — question keys not in that version, options a question does not have,
//! a round too long or too slow are refused — and kept in `quiz_rounds` with each question right
//! or wrong in `quiz_answers`; nothing personal. An entry (name, phone, consent, naming a round
//! this kiosk sent) is stored as a closed (`approved`) submission, so staff reach the people
//! to reward through the audited inbox and retention erases it; the round gets a masked name and
//! a per-quiz HMAC of the phone (keyed from the submission key), and the quiz's `quiz_ranking` item is rewritten in the feed in
//! the same transaction.

use crate::db::{to_ms, to_ts};
use crate::error::{AppError, AppResult};
use crate::feed;
use crate::kiosks::Kiosk;
use crate::store::{OptionalExtension, Tx, params};
use axum::http::StatusCode;
use jiff::Timestamp;
use protocol::quiz::{
    InvalidRound, Quiz, QuizAnswer, QuizRanking, RANKING_SIZE, Ranked, RankingEntry, mask_name,
};
use protocol::submission::{FormAnswers, SubmissionUpload};
use protocol::{ContentBody, ContentId, ContentItem, ContentKind, ErrorCode, OrgId};

fn refused(why: InvalidRound) -> AppError {
    AppError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidAnswers,
        format!("知识竞赛答题未通过检查：{}", why.message_zh()),
    )
}

/// The title an entry's submission goes by in the inbox; `None` for another kind.
pub(crate) fn entry_title(body: &str) -> Option<String> {
    match serde_json::from_str(body).ok()? {
        ContentBody::Quiz(q) => Some(format!("{}（排名登记）", q.title)),
        _ => None,
    }
}

/// Who entered, for one line per person in the ranking, without keeping the phone number: an
/// HMAC of the phone under this quiz's own key derived from the server's submission key, so a
/// copy of the database cannot test phone numbers against it.
fn person(secret: &crypto_box::SecretKey, quiz: &str, phone: &str) -> Vec<u8> {
    crate::submissions::keyed_person(secret, b"union-kiosk quiz person v1\0", quiz, phone)
}

/// An entry naming a round the server has not (yet) received: the kiosk's outbox delivers each
/// submission on its own backoff, so the round may simply come later. 409 with a code the kiosk
/// retries, never one it gives up on.
fn round_not_yet() -> AppError {
    AppError::conflict(
        ErrorCode::UnknownReference,
        "要登记的答题记录还没有收到，稍后重试",
    )
}

/// Takes a quiz submission inside the caller's write transaction: scores and keeps a round, or
/// enters a round in the ranking. Returns the orgs whose kiosks must hear of a new ranking.
#[allow(clippy::too_many_arguments)]
pub(crate) fn take(
    tx: &Tx<'_>,
    secret: &crypto_box::SecretKey,
    kiosk: &Kiosk,
    upload: &SubmissionUpload,
    receipt: &str,
    fingerprint: &[u8],
    answers: &FormAnswers,
    quiz: &Quiz,
) -> AppResult<Vec<OrgId>> {
    let received = Timestamp::now();
    // As of when it was played (offline kiosks deliver late), never later than now.
    let played_at = upload.submitted_at.min(received);
    match QuizAnswer::from_answers(&answers.answers).map_err(refused)? {
        QuizAnswer::Round(round) => {
            if !quiz.open_at(played_at) {
                return Err(refused(InvalidRound::Closed));
            }
            let score = quiz.score(&round).map_err(refused)?;
            let id: i64 = tx
                .prepare_cached(
                    "INSERT INTO quiz_rounds (submission_id, receipt, kiosk_id, org_id, quiz_id,
                     quiz_version, upload_sha256, score, total, seconds, played_at, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
                )?
                .query_row(
                    params![
                        upload.id,
                        receipt,
                        kiosk.id.0,
                        kiosk.org.0,
                        upload.form_id.0,
                        upload.form_version,
                        fingerprint,
                        score,
                        round.answers.len() as u32,
                        round.seconds.min(quiz.seconds),
                        to_ms(played_at),
                        to_ms(received)
                    ],
                    |r| r.get(0),
                )?;
            let mut put = tx.prepare_cached(
                "INSERT INTO quiz_answers (round_id, question_key, correct) VALUES (?1, ?2, ?3)",
            )?;
            for a in &round.answers {
                let right = quiz
                    .question(&a.question)
                    .is_some_and(|q| q.is_right(&a.chosen));
                put.execute(params![id, a.question, right])?;
            }
            Ok(Vec::new())
        }
        QuizAnswer::Entry(entry) => enter(
            tx,
            secret,
            kiosk,
            upload,
            receipt,
            fingerprint,
            &entry,
            received,
        ),
    }
}

#[allow(clippy::too_many_arguments)]
fn enter(
    tx: &Tx<'_>,
    secret: &crypto_box::SecretKey,
    kiosk: &Kiosk,
    upload: &SubmissionUpload,
    receipt: &str,
    fingerprint: &[u8],
    entry: &RankingEntry,
    received: Timestamp,
) -> AppResult<Vec<OrgId>> {
    let quiz_id = upload.form_id.0.as_str();
    // Only a round this kiosk sent for this quiz, and only once; one not received yet may come.
    let round: Option<(i64, bool)> = tx
        .prepare_cached(
            "SELECT id, kiosk_id = ?2 AND quiz_id = ?3 AND entry_id IS NULL
             FROM quiz_rounds WHERE submission_id = ?1",
        )?
        .query_row(params![entry.round, kiosk.id.0, quiz_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let round = match round {
        None => return Err(round_not_yet()),
        Some((_, false)) => return Err(refused(InvalidRound::UnknownRound)),
        Some((id, true)) => id,
    };
    let stored = FormAnswers {
        answers: [
            ("name".to_owned(), entry.name.clone().into()),
            ("phone".to_owned(), entry.phone.clone().into()),
        ]
        .into(),
    };
    // Stored closed, as a counted vote is: nothing for a case handler to decide, and retention
    // erases closed submissions (name and phone) in their time.
    tx.prepare_cached(
        "INSERT INTO submissions (id, receipt, kiosk_id, org_id, form_id, form_version,
             upload_sha256, answers, phone_last4, status, submitted_at, received_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'approved', ?10, ?11, ?11)",
    )?
    .execute(params![
        upload.id,
        receipt,
        kiosk.id.0,
        kiosk.org.0,
        quiz_id,
        upload.form_version,
        fingerprint,
        serde_json::to_string(&stored.answers)?,
        &entry.phone[entry.phone.len() - 4..],
        to_ms(upload.submitted_at.min(received)),
        to_ms(received)
    ])?;
    tx.prepare_cached(
        "UPDATE quiz_rounds SET person = ?2, masked_name = ?3, entry_id = ?4 WHERE id = ?1",
    )?
    .execute(params![
        round,
        person(secret, quiz_id, &entry.phone),
        mask_name(&entry.name),
        upload.id
    ])?;
    write_ranking(tx, quiz_id, to_ms(received))
}

/// The quiz as it stands: its org and whether kiosks show it.
fn current(tx: &Tx<'_>, id: &str) -> AppResult<Option<(OrgId, bool)>> {
    Ok(tx
        .prepare_cached("SELECT org_id, live FROM content WHERE id = ?1 AND kind = ?2")?
        .query_row(params![id, ContentKind::Quiz.as_str()], |r| {
            Ok((OrgId(r.get(0)?), r.get(1)?))
        })
        .optional()?)
}

/// The best round of each person who entered, best first.
fn ranking(tx: &Tx<'_>, quiz_id: &str) -> AppResult<Vec<Ranked>> {
    Ok(tx
        .prepare_cached(
            "SELECT r.masked_name, o.name, r.score, r.total, r.seconds FROM (
                 SELECT *, row_number() OVER (
                     PARTITION BY person ORDER BY score DESC, seconds, id) AS nth
                 FROM quiz_rounds WHERE quiz_id = ?1 AND person IS NOT NULL) r
             JOIN orgs o ON o.id = r.org_id
             WHERE r.nth = 1
             ORDER BY r.score DESC, r.seconds, r.id
             LIMIT ?2",
        )?
        .query_map(params![quiz_id, RANKING_SIZE as u32], |r| {
            Ok(Ranked {
                name: r.get(0)?,
                org: r.get(1)?,
                score: r.get(2)?,
                total: r.get(3)?,
                seconds: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// Rewrites the quiz's `quiz_ranking` item in the feed at the quiz's org (tombstoned where it
/// was before, when the quiz moved or is no longer shown). Returns the orgs touched.
pub(crate) fn write_ranking(tx: &Tx<'_>, quiz_id: &str, at: i64) -> AppResult<Vec<OrgId>> {
    let Some((org, live)) = current(tx, quiz_id)? else {
        return Ok(Vec::new());
    };
    rewrite(tx, quiz_id, org, live, at)
}

/// Called by `content` after every write of a quiz (an edit, a move, publishing, unpublishing,
/// a schedule coming due): the ranking item follows the quiz — rewritten at its org while kiosks
/// show it, tombstoned wherever else it was. A quiz nobody has entered has no ranking item.
pub(crate) fn written(
    tx: &Tx<'_>,
    id: &ContentId,
    org: OrgId,
    live: bool,
    at: i64,
) -> AppResult<Vec<OrgId>> {
    let ranked: bool = tx
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM feed WHERE content_id = ?1)")?
        .query_row([&QuizRanking::id_for(id).0], |r| r.get(0))?;
    if !ranked {
        return Ok(Vec::new());
    }
    rewrite(tx, &id.0, org, live, at)
}

/// Called by `content` when a quiz is deleted: its ranking item is tombstoned wherever kiosks
/// have it. Returns the orgs touched.
pub(crate) fn deleted(tx: &Tx<'_>, id: &ContentId) -> AppResult<Vec<OrgId>> {
    let ranking = QuizRanking::id_for(id);
    let orgs: Vec<i64> = tx
        .prepare_cached("SELECT org_id FROM feed WHERE content_id = ?1 AND item IS NOT NULL")?
        .query_map([&ranking.0], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for org in &orgs {
        feed::put(tx, &ranking, OrgId(*org), ContentKind::QuizRanking, None)?;
    }
    Ok(orgs.into_iter().map(OrgId).collect())
}

fn rewrite(tx: &Tx<'_>, quiz_id: &str, org: OrgId, live: bool, at: i64) -> AppResult<Vec<OrgId>> {
    let quiz = ContentId(quiz_id.to_owned());
    let id = QuizRanking::id_for(&quiz);
    let item = ContentItem {
        id: id.clone(),
        org_id: org,
        version: 1,
        updated_at: to_ts(at),
        publish_at: None,
        expire_at: None,
        body: ContentBody::QuizRanking(QuizRanking {
            quiz,
            as_of: to_ts(at),
            entries: ranking(tx, quiz_id)?,
        }),
    };
    let kind = ContentKind::QuizRanking;
    let elsewhere: Vec<i64> = tx
        .prepare_cached(
            "SELECT org_id FROM feed WHERE content_id = ?1 AND item IS NOT NULL
                 AND (org_id != ?2 OR NOT ?3)",
        )?
        .query_map(params![id.0, org.0, live], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut touched = vec![org];
    for other in elsewhere {
        feed::put(tx, &id, OrgId(other), kind, None)?;
        touched.push(OrgId(other));
    }
    if live {
        feed::put(tx, &id, org, kind, Some(&serde_json::to_string(&item)?))?;
    }
    Ok(touched)
}

/// One question's figures for staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionFigures {
    pub key: String,
    pub stem: String,
    pub asked: u32,
    pub wrong: u32,
}

impl QuestionFigures {
    /// The share answered wrong, in per cent.
    pub fn wrong_percent(&self) -> u32 {
        (self.wrong * 100).checked_div(self.asked).unwrap_or(0)
    }
}

/// What staff see of a quiz, counted over the rounds played at kiosks in their subtree.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Figures {
    pub rounds: u32,
    /// Rounds whose player entered the ranking.
    pub entered: u32,
    /// Mean score in tenths of a point (83 = 8.3).
    pub mean_tenths: u32,
    /// Rounds per China-time day, oldest first, the days with rounds only.
    pub per_day: Vec<(String, u32)>,
    /// Every question asked, the most often wrong first.
    pub hardest: Vec<QuestionFigures>,
}

/// The figures of quiz `quiz_id` over rounds played at orgs whose path starts with `subtree`.
pub fn figures(tx: &Tx<'_>, quiz: &Quiz, quiz_id: &str, subtree: &str) -> AppResult<Figures> {
    const IN_SUBTREE: &str =
        "r.org_id IN (SELECT id FROM orgs WHERE substr(path, 1, length(?2)) = ?2)";
    let (rounds, entered, mean): (u32, u32, f64) = tx.query_row(
        &format!(
            "SELECT count(*), count(r.entry_id), COALESCE(avg(r.score), 0) FROM quiz_rounds r
             WHERE r.quiz_id = ?1 AND {IN_SUBTREE}"
        ),
        params![quiz_id, subtree],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    // China time (UTC+8): played_at is in milliseconds.
    let day = if tx.is_postgres() {
        "to_char(to_timestamp(r.played_at / 1000 + 8 * 3600) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    } else {
        "date((r.played_at / 1000) + 8 * 3600, 'unixepoch')"
    };
    let per_day = tx
        .prepare(&format!(
            "SELECT {day} AS day, count(*)
             FROM quiz_rounds r WHERE r.quiz_id = ?1 AND {IN_SUBTREE}
             GROUP BY day ORDER BY day"
        ))?
        .query_map(params![quiz_id, subtree], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut hardest: Vec<QuestionFigures> = tx
        .prepare(&format!(
            "SELECT a.question_key, count(*), count(*) FILTER (WHERE a.correct = 0)
             FROM quiz_answers a JOIN quiz_rounds r ON r.id = a.round_id
             WHERE r.quiz_id = ?1 AND {IN_SUBTREE}
             GROUP BY a.question_key"
        ))?
        .query_map(params![quiz_id, subtree], |r| {
            let key: String = r.get(0)?;
            Ok(QuestionFigures {
                stem: quiz
                    .question(&key)
                    .map(|q| q.stem.clone())
                    .unwrap_or_default(),
                key,
                asked: r.get(1)?,
                wrong: r.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    hardest.sort_by(|a, b| {
        (b.wrong * a.asked.max(1))
            .cmp(&(a.wrong * b.asked.max(1)))
            .then(b.asked.cmp(&a.asked))
            .then(a.key.cmp(&b.key))
    });
    Ok(Figures {
        rounds,
        entered,
        mean_tenths: (mean * 10.0).round() as u32,
        per_day,
        hardest,
    })
}
