//! Submissions from kiosks: the key kiosks seal them to, and storing each exactly once.
//!
//! A kiosk resends a submission until it hears back, so the same upload may arrive twice (the
//! first answer was lost). The server recognises a resend by id and upload fingerprint and
//! answers it as success; a different upload under a known id or receipt is a conflict (409).
//! The answer is sent only after the transaction is committed with `synchronous=FULL`.

use crate::db::to_ms;
use crate::error::{AppError, AppResult};
use crate::kiosks::Kiosk;
use crate::state::AppState;
use crate::store::{OptionalExtension, params};
use anyhow::Context;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use protocol::ErrorCode;
use protocol::answers::{Lang, china_date, describe};
use protocol::content::ContentBody;
use protocol::submission::{FormAnswers, SubmissionStored, SubmissionUpload, receipt};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The server's submission key, kept in `<keys dir>/submission.key` (created on first start).
/// Made at most once even when instances sharing the keys dir start together: the new key is
/// put in place only if no other instance's is there already (then that one is read).
pub fn load_or_create_key(dir: &Path) -> anyhow::Result<crypto_box::SecretKey> {
    let path = dir.join("submission.key");
    if path.exists() {
        return read_key(&path);
    }
    let key = crypto_box::SecretKey::generate(&mut crypto_box::aead::OsRng);
    let tmp = dir.join(format!(
        "submission.key.{}.tmp",
        crate::secrets::random_token(9)
    ));
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        f.write_all(&key.to_bytes())?;
        f.sync_all()?;
    }
    if crate::secrets::place_once(&tmp, &path)
        .with_context(|| format!("cannot write {}", path.display()))?
    {
        return Ok(key);
    }
    // Another instance's key is there (its link refused ours): read it, opening the file
    // itself, for a while, since NFS may keep saying the name is missing from a cached lookup.
    for _ in 0..300 {
        match std::fs::File::open(&path) {
            Ok(_) => return read_key(&path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }
    anyhow::bail!(
        "{} was made by another instance but cannot be read after 30 s",
        path.display()
    )
}

fn read_key(path: &Path) -> anyhow::Result<crypto_box::SecretKey> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let key: [u8; 32] = bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("{} is not a 32-byte key", path.display()))?;
    Ok(crypto_box::SecretKey::from_bytes(key))
}

pub fn public_key_base64(key: &crypto_box::SecretKey) -> String {
    STANDARD.encode(key.public_key().as_bytes())
}

/// A person as far as "one per person" goes, without keeping who: HMAC-SHA256 of `phone` under
/// a key of its own for each `scope` (a poll, a quiz), itself an HMAC of `label` and the scope
/// under the server's submission key (a file beside the database, not in it). Without that key
/// file a copy of the database cannot test a phone number against the result.
pub(crate) fn keyed_person(
    secret: &crypto_box::SecretKey,
    label: &[u8],
    scope: &str,
    phone: &str,
) -> Vec<u8> {
    use ring::hmac;
    let root = hmac::Key::new(hmac::HMAC_SHA256, &secret.to_bytes());
    let mut ctx = hmac::Context::with_key(&root);
    ctx.update(label);
    ctx.update(scope.as_bytes());
    let per_scope = hmac::Key::new(hmac::HMAC_SHA256, ctx.sign().as_ref());
    hmac::sign(&per_scope, phone.as_bytes()).as_ref().to_vec()
}

fn bad(code: ErrorCode, message: impl Into<String>) -> AppError {
    AppError::bad_request(code, message)
}

/// The answers break the form's rules: permanent, so the kiosk stops resending (it marks the
/// submission rejected instead).
fn invalid_answers(message: String) -> AppError {
    AppError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidAnswers,
        message,
    )
}

pub async fn store(
    state: &AppState,
    kiosk: Kiosk,
    upload: SubmissionUpload,
) -> AppResult<SubmissionStored> {
    uuid::Uuid::parse_str(&upload.id).map_err(|_| {
        bad(
            ErrorCode::InvalidSubmissionId,
            format!("提交编号 '{}' 不是 UUID", upload.id),
        )
    })?;
    let receipt_code = receipt::parse(&upload.receipt)
        .ok()
        .filter(|r| Some(receipt::prefix_of(r)) == kiosk.receipt_prefix.as_deref())
        .ok_or_else(|| {
            bad(
                ErrorCode::InvalidReceipt,
                format!("回执编号 '{}' 不属于这台终端", upload.receipt),
            )
        })?;
    let sealed = STANDARD
        .decode(&upload.sealed)
        .map_err(|_| bad(ErrorCode::InvalidSealed, "提交内容不是有效的 base64"))?;
    let fingerprint: Vec<u8> = {
        let mut h = Sha256::new();
        h.update(upload.form_id.0.as_bytes());
        h.update(upload.form_version.to_be_bytes());
        h.update(receipt_code.as_bytes());
        h.update(&sealed);
        h.finalize().to_vec()
    };
    let key = state.submission_key.clone();
    let calendar = state.calendar.clone();
    let db = state.db.clone();
    let (stored, touched, head) = state
        .db
        .write(move |tx| {
            let existing: Option<(String, String, String, Vec<u8>)> = tx
                .query_row(
                    "SELECT id, receipt, kiosk_id, upload_sha256 FROM submissions
                     WHERE id = ?1 OR receipt = ?2
                     UNION ALL
                     SELECT submission_id, receipt, kiosk_id, upload_sha256 FROM quiz_rounds
                     WHERE submission_id = ?1 OR receipt = ?2
                     LIMIT 1",
                    params![upload.id, receipt_code],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            // A resend repeats the id, the receipt and the bytes; an id and a receipt are one
            // pair, so a new id with a stored receipt (or the reverse) is another submission.
            if let Some((id, receipt, by, seen)) = existing {
                if id == upload.id
                    && receipt == receipt_code
                    && by == kiosk.id.0
                    && seen == fingerprint
                {
                    return Ok((
                        SubmissionStored {
                            id: upload.id,
                            receipt: receipt_code,
                            duplicate: true,
                        },
                        Vec::new(),
                        0,
                    ));
                }
                return Err(AppError::conflict(
                    ErrorCode::SubmissionConflict,
                    "同一提交编号或回执编号已用于另一份不同的提交",
                ));
            }
            let opened = key.unseal(&sealed).map_err(|_| {
                bad(
                    ErrorCode::Undecryptable,
                    "提交内容无法解密：终端使用的密钥与服务器不符，请重新注册终端",
                )
            })?;
            let answers: FormAnswers = serde_json::from_slice(&opened)
                .map_err(|e| invalid_answers(format!("提交内容格式不对：{e}")))?;
            // A version that was published where this kiosk could show it; the form may have
            // been unpublished or deleted since (the employee filled it in good faith). A form
            // of another branch reads as unknown, as it would to that kiosk.
            let form: Option<String> = tx
                .query_row(
                    "SELECT fv.body FROM form_versions fv
                     WHERE fv.form_id = ?1 AND fv.version = ?2
                       AND EXISTS (SELECT 1 FROM feed f JOIN orgs o ON o.id = f.org_id
                                   WHERE f.content_id = fv.form_id
                                     AND substr(?3, 1, length(o.path)) = o.path)",
                    params![upload.form_id.0, upload.form_version, kiosk.org_path],
                    |r| r.get(0),
                )
                .optional()?;
            let form: ContentBody = serde_json::from_str(&form.ok_or_else(|| {
                AppError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::UnknownFormVersion,
                    format!("表单 {} 没有第 {} 版", upload.form_id, upload.form_version),
                )
            })?)?;
            let form = match form {
                ContentBody::Form(form) => form,
                // Not a form: the module the submission belongs to checks and stores it in this
                // transaction, and names the orgs whose kiosks must hear of what changed.
                other => {
                    let touched = match other {
                        // A quiz round, scored again here, or its player entering the ranking
                        // (`quiz`).
                        ContentBody::Quiz(quiz) => crate::quiz::take(
                            tx,
                            &key,
                            &kiosk,
                            &upload,
                            &receipt_code,
                            &fingerprint,
                            &answers,
                            &quiz,
                        )?,
                        // A proposal to the workers' congress: checked, stored and numbered
                        // (`proposals`).
                        ContentBody::ProposalCall(call) => crate::proposals::submit(
                            tx,
                            &kiosk,
                            &upload,
                            &receipt_code,
                            &fingerprint,
                            &answers,
                            &call,
                        )?,
                        // A booking request: stored and allocated at once (`places`).
                        ContentBody::Offering(_) => crate::places::book(
                            tx,
                            &kiosk,
                            &upload,
                            &receipt_code,
                            &fingerprint,
                            &answers,
                        )?,
                        // A vote: stored and counted at once (`polls`).
                        ContentBody::Poll(poll) => {
                            let touched = crate::polls::vote(
                                tx,
                                &key,
                                &kiosk,
                                &upload,
                                &receipt_code,
                                &fingerprint,
                                &answers,
                                &poll,
                            )?;
                            // Its tallies' page images must not stay in the WAL (`SECURITY.md`).
                            if poll.anonymous {
                                db.want_checkpoint();
                            }
                            touched
                        }
                        _ => {
                            return Err(AppError::internal(
                                "form_versions",
                                "holds a body that is not a form",
                            ));
                        }
                    };
                    let head = crate::content::feed_head(tx)?;
                    return Ok((
                        SubmissionStored {
                            id: upload.id,
                            receipt: receipt_code,
                            duplicate: false,
                        },
                        touched,
                        head,
                    ));
                }
            };
            // Judged on the day it was filled in (offline kiosks deliver late), never later than
            // today: a kiosk's clock may run ahead, and a date in the future would sort the
            // submission above every other in the inbox, so it is stored as received now.
            let received = jiff::Timestamp::now();
            let submitted_at = upload.submitted_at.min(received);
            let filled_on = china_date(submitted_at);
            let answers = form
                .prepare_answers(&answers.answers, filled_on)
                .map_err(|errors| {
                    invalid_answers(format!(
                        "提交的内容未通过检查：{}",
                        describe(&form, &errors, Lang::Zh)
                    ))
                })?;
            tx.execute(
                "INSERT INTO submissions (id, receipt, kiosk_id, org_id, form_id, form_version,
                     upload_sha256, answers, phone_last4, submitted_at, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    upload.id,
                    receipt_code,
                    kiosk.id.0,
                    kiosk.org.0,
                    upload.form_id.0,
                    upload.form_version,
                    fingerprint,
                    serde_json::to_string(&answers)?,
                    form.phone_last4(&answers),
                    to_ms(submitted_at),
                    to_ms(received)
                ],
            )?;
            // Its answer is due by the form's deadline from now (`deadlines`).
            crate::deadlines::set_due(
                tx,
                &calendar,
                &upload.id,
                &upload.form_id.0,
                &kiosk.org_path,
                to_ms(received),
            )?;
            Ok((
                SubmissionStored {
                    id: upload.id,
                    receipt: receipt_code,
                    duplicate: false,
                },
                Vec::new(),
                0,
            ))
        })
        .await?;
    crate::places::announce(state, &touched, head);
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Instances starting together on one shared keys dir all load one submission key.
    #[test]
    fn instances_sharing_a_keys_dir_make_one_key() {
        let dir = tempfile::tempdir().expect("dir");
        let keys: Vec<[u8; 32]> = std::thread::scope(|s| {
            let starts: Vec<_> = (0..8)
                .map(|_| s.spawn(|| load_or_create_key(dir.path()).expect("loads").to_bytes()))
                .collect();
            starts
                .into_iter()
                .map(|t| t.join().expect("joins"))
                .collect()
        });
        assert!(keys.iter().all(|k| *k == keys[0]));
        let files = std::fs::read_dir(dir.path()).expect("dir").count();
        assert_eq!(files, 1, "only submission.key is left");
    }

    #[test]
    fn the_key_is_kept_and_opens_what_is_sealed_to_it() {
        let dir = tempfile::tempdir().expect("dir");
        let key = load_or_create_key(dir.path()).expect("created");
        let again = load_or_create_key(dir.path()).expect("loaded");
        assert_eq!(key.to_bytes(), again.to_bytes());
        let sealed = key
            .public_key()
            .seal(&mut crypto_box::aead::OsRng, b"secret")
            .expect("seals");
        assert_eq!(again.unseal(&sealed).expect("opens"), b"secret");
    }
}
