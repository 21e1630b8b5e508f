//! Kiosk enrollment (one-time tokens exchanged for credentials), kiosk authentication, and the
//! fleet operations staff perform: list, revoke, move to another org.

use crate::db::{now_ms, to_ms, to_ts};
use crate::error::{AppError, AppResult};
use crate::orgs::{self, Actor};
use crate::secrets::{hashes_equal, random_token, token_hash};
use crate::state::AppState;
use crate::store::{OptionalExtension, params};
use protocol::enroll::{EnrollRequest, EnrollResponse, EnrollmentString};
use protocol::staff::{EnrollmentTokenCreated, KioskRecord, NewEnrollmentToken};
use protocol::submission::receipt;
use protocol::{ErrorCode, KioskId, KioskInfo, OrgId};

/// Creates a one-time enrollment token for an org and wraps it into an enrollment string.
pub async fn create_token(
    state: &AppState,
    actor: Actor,
    req: NewEnrollmentToken,
) -> AppResult<EnrollmentTokenCreated> {
    let limits = &state.config.enrollment;
    let minutes = req.valid_minutes.unwrap_or(limits.default_valid_minutes);
    if minutes == 0 || minutes > limits.max_valid_minutes {
        return Err(AppError::bad_request(
            ErrorCode::InvalidValidity,
            format!("有效期须在 1 到 {} 分钟之间", limits.max_valid_minutes),
        ));
    }
    let token = random_token(24);
    let hash = token_hash(&token);
    let expires = now_ms() + i64::from(minutes) * 60_000;
    state
        .db
        .write(move |tx| {
            actor.check_org(tx, req.org_id)?;
            refuse_if_disabled(tx, req.org_id.0)?;
            tx.execute(
            "INSERT INTO enrollment_tokens (token_hash, org_id, created_by, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![hash, req.org_id.0, actor.staff_id(), now_ms(), expires],
        )?;
            Ok(())
        })
        .await?;
    let s = EnrollmentString {
        server: state.public_url.clone(),
        token,
        fingerprint: state.fingerprint,
    };
    Ok(EnrollmentTokenCreated {
        enrollment_string: s.to_string(),
        expires_at: to_ts(expires),
    })
}

/// Exchanges a token for kiosk credentials. The token is spent in the same transaction that
/// creates the kiosk, so two kiosks can never enroll with one token.
pub async fn enroll(state: &AppState, req: EnrollRequest) -> AppResult<EnrollResponse> {
    let hash = token_hash(req.token.trim());
    let secret = random_token(32);
    let secret_hash = token_hash(&secret);
    let kiosk_id = KioskId(uuid::Uuid::new_v4().to_string());
    let id = kiosk_id.clone();
    let (org, receipt_prefix) = state
        .db
        .write(move |tx| {
            let now = now_ms();
            let row: Option<(i64, i64, Option<i64>)> = tx
                .query_row(
                    "SELECT org_id, expires_at, used_at FROM enrollment_tokens WHERE token_hash = ?1",
                    [&hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let Some((org, expires, used)) = row else {
                return Err(AppError::unauthorized(
                    ErrorCode::EnrollmentTokenUnknown,
                    "注册码无效：请向管理员索取新的注册码",
                ));
            };
            if used.is_some() {
                return Err(AppError::new(
                    axum::http::StatusCode::GONE,
                    ErrorCode::EnrollmentTokenUsed,
                    "这个注册码已经用过了：每个注册码只能注册一台终端",
                ));
            }
            if expires <= now {
                return Err(AppError::new(
                    axum::http::StatusCode::GONE,
                    ErrorCode::EnrollmentTokenExpired,
                    "这个注册码已过期：请向管理员索取新的注册码",
                ));
            }
            // Refused before the token is spent: it works once the org is enabled again.
            refuse_if_disabled(tx, org)?;
            tx.execute(
                "UPDATE enrollment_tokens SET used_at = ?1, kiosk_id = ?2 WHERE token_hash = ?3",
                params![now, id.0, hash],
            )?;
            let name = req.name.trim().chars().take(60).collect::<String>();
            let version = req.version.trim().chars().take(40).collect::<String>();
            let prefix = unused_prefix(tx, rand::random())?;
            tx.execute(
                "INSERT INTO kiosks (id, name, org_id, secret_hash, version, enrolled_at, last_seen_at, receipt_prefix)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
                params![id.0, name, org, secret_hash, version, now, prefix],
            )?;
            Ok((orgs::summary(tx, OrgId(org))?, prefix))
        })
        .await?;
    tracing::info!(kiosk = %kiosk_id, org = %org.id, "kiosk enrolled");
    Ok(EnrollResponse {
        kiosk_id,
        secret,
        org,
        receipt_prefix,
        submission_key: crate::submissions::public_key_base64(&state.submission_key),
    })
}

/// `org_disabled` when the org, or one above it, is disabled: no kiosk is enrolled there (it
/// could not sync) until the org is enabled again.
fn refuse_if_disabled(tx: &crate::store::Tx<'_>, org: i64) -> AppResult<()> {
    let disabled: bool = tx.query_row(
        &format!(
            "SELECT {} FROM orgs o WHERE o.id = ?1",
            orgs::manage::disabled_cond("o.path")
        ),
        [org],
        |r| r.get(0),
    )?;
    if disabled {
        return Err(AppError::new(
            axum::http::StatusCode::FORBIDDEN,
            ErrorCode::OrgDisabled,
            "本单位已停用：启用后才能为它注册终端",
        ));
    }
    Ok(())
}

/// A receipt prefix no kiosk has had, picked at random (from `start` on), so a prefix says
/// nothing about how many kiosks there are or which came before. Prefixes of revoked kiosks stay
/// taken: their receipts still exist.
fn unused_prefix(tx: &crate::store::Tx<'_>, start: u64) -> AppResult<String> {
    let taken = tx
        .prepare("SELECT receipt_prefix FROM kiosks WHERE receipt_prefix IS NOT NULL")?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<std::collections::HashSet<_>, _>>()?;
    (0..receipt::PREFIXES)
        .filter_map(|i| receipt::prefix((start % receipt::PREFIXES + i) % receipt::PREFIXES))
        .find(|p| !taken.contains(p))
        .ok_or_else(|| {
            AppError::conflict(
                ErrorCode::FleetFull,
                "终端数量已达上限，无法再分配回执编号。",
            )
        })
}

/// An authenticated kiosk as the feed needs it.
#[derive(Debug, Clone)]
pub struct Kiosk {
    pub id: KioskId,
    pub org: OrgId,
    pub org_path: String,
    pub epoch: u32,
    pub receipt_prefix: Option<String>,
}

/// How often a kiosk's `last_seen_at` is rewritten at most.
const SEEN_RESOLUTION_MS: i64 = 60_000;

/// Checks `Bearer <kiosk id>.<secret>`; revoked kiosks, and those of a disabled org, are
/// refused.
pub async fn authenticate(state: &AppState, credentials: &str) -> AppResult<Kiosk> {
    let unknown = || {
        AppError::unauthorized(
            ErrorCode::InvalidKioskCredentials,
            "终端凭据无效：请重新注册这台终端",
        )
    };
    let (id, secret) = credentials.split_once('.').ok_or_else(unknown)?;
    let id = id.to_owned();
    let presented = token_hash(secret);
    let (kiosk, last_seen) = state
        .db
        .read_kiosk(move |tx| {
            let row = tx
                .query_row(
                    &format!(
                        "SELECT k.org_id, o.path, k.scope_epoch, k.secret_hash, k.revoked_at,
                                k.last_seen_at, k.receipt_prefix, {}
                         FROM kiosks k JOIN orgs o ON o.id = k.org_id WHERE k.id = ?1",
                        orgs::manage::disabled_cond("o.path")
                    ),
                    [&id],
                    |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, u32>(2)?,
                            r.get::<_, Vec<u8>>(3)?,
                            r.get::<_, Option<i64>>(4)?,
                            r.get::<_, Option<i64>>(5)?,
                            r.get::<_, Option<String>>(6)?,
                            r.get::<_, bool>(7)?,
                        ))
                    },
                )
                .optional()?;
            let (org, path, epoch, stored, revoked, seen, receipt_prefix, org_disabled) =
                row.ok_or_else(unknown)?;
            if !hashes_equal(&stored, &presented) {
                return Err(unknown());
            }
            if revoked.is_some() {
                return Err(AppError::unauthorized(
                    ErrorCode::KioskRevoked,
                    "这台终端已被管理员停用",
                ));
            }
            // Nothing is deleted: the kiosk keeps what it has and hears again once enabled.
            if org_disabled {
                return Err(AppError::new(
                    axum::http::StatusCode::FORBIDDEN,
                    ErrorCode::OrgDisabled,
                    "本单位已停用，终端暂停更新内容",
                ));
            }
            let kiosk = Kiosk {
                id: KioskId(id),
                org: OrgId(org),
                org_path: path,
                epoch,
                receipt_prefix,
            };
            Ok((kiosk, seen))
        })
        .await?;
    let now = now_ms();
    if last_seen.is_none_or(|t| now - t >= SEEN_RESOLUTION_MS) {
        seen(state, kiosk.id.0.clone(), now).await?;
    }
    Ok(kiosk)
}

/// Kiosks' `last_seen_at` waiting for the database writer. After a publish thousands of kiosks
/// authenticate at once; one transaction (one fsync) each queued staff writes behind them. While
/// one batch is written the next gathers, so the writer does one transaction per batch (group
/// commit, as `workflow::fleet::HeartbeatQueue` does for heartbeats), and a lone update is
/// written at once as before.
#[derive(Default)]
pub struct SeenQueue {
    inner: std::sync::Mutex<SeenBatch>,
}

/// Tells a waiting request whether its batch was stored (the failure as text).
type SeenDone = tokio::sync::oneshot::Sender<Result<(), String>>;

#[derive(Default)]
struct SeenBatch {
    waiting: Vec<(String, i64, SeenDone)>,
    /// A flush task is running; it takes what waits until nothing does.
    flushing: bool,
}

/// Records that kiosk `id` was seen at `at`; returns once it is committed.
async fn seen(state: &AppState, id: String, at: i64) -> AppResult<()> {
    let (done, stored) = tokio::sync::oneshot::channel();
    let lead = {
        let mut q = state
            .seen
            .inner
            .lock()
            .expect("the seen queue lock is never held across a panic");
        q.waiting.push((id, at, done));
        !std::mem::replace(&mut q.flushing, true)
    };
    if lead {
        // Its own task, so a client hanging up cannot stop the flush half way.
        tokio::spawn(flush_seen(state.clone()));
    }
    stored
        .await
        .map_err(|e| AppError::internal("last seen flush", e))?
        .map_err(|message| AppError::internal("storing last seen", message))
}

async fn flush_seen(state: AppState) {
    loop {
        let batch = {
            let mut q = state
                .seen
                .inner
                .lock()
                .expect("the seen queue lock is never held across a panic");
            if q.waiting.is_empty() {
                q.flushing = false;
                return;
            }
            std::mem::take(&mut q.waiting)
        };
        let rows: Vec<(String, i64)> = batch.iter().map(|(id, at, _)| (id.clone(), *at)).collect();
        let written = state
            .db
            .write(move |tx| {
                let mut update =
                    tx.prepare_cached("UPDATE kiosks SET last_seen_at = ?1 WHERE id = ?2")?;
                for (id, at) in &rows {
                    update.execute(params![at, id])?;
                }
                Ok(())
            })
            .await;
        let failed = written.err().map(|e| {
            e.log_cause();
            e.to_string()
        });
        for (_, _, done) in batch {
            let _ = done.send(failed.clone().map_or(Ok(()), Err));
        }
    }
}

pub async fn info(state: &AppState, kiosk: Kiosk) -> AppResult<KioskInfo> {
    let tls_pins = state.tls_pins.to_vec();
    state
        .db
        .read(move |tx| {
            let name: String = tx.query_row(
                "SELECT name FROM kiosks WHERE id = ?1",
                [&kiosk.id.0],
                |r| r.get(0),
            )?;
            Ok(KioskInfo {
                kiosk_id: kiosk.id,
                name,
                org: orgs::summary(tx, kiosk.org)?,
                tls_pins,
            })
        })
        .await
}

pub async fn list(state: &AppState, actor: Actor) -> AppResult<Vec<KioskRecord>> {
    state
        .db
        .read(move |tx| {
            let (cond, path) = actor.subtree_filter("org_id");
            let sql = format!(
                "SELECT id, name, org_id, version, enrolled_at, last_seen_at, revoked_at,
                    heartbeat, heartbeat_at
             FROM kiosks WHERE {cond} ORDER BY enrolled_at"
            );
            let rows = tx
                .prepare(&sql)?
                .query_map([path], |r| {
                    Ok(KioskRecord {
                        id: KioskId(r.get(0)?),
                        name: r.get(1)?,
                        org_id: OrgId(r.get(2)?),
                        version: r.get(3)?,
                        enrolled_at: to_ts(r.get(4)?),
                        last_seen_at: r.get::<_, Option<i64>>(5)?.map(to_ts),
                        revoked_at: r.get::<_, Option<i64>>(6)?.map(to_ts),
                        heartbeat: r
                            .get::<_, Option<String>>(7)?
                            .and_then(|j| serde_json::from_str(&j).ok()),
                        health: protocol::workflow::Health::Offline,
                    })
                    .map(|mut k: KioskRecord| {
                        let beat_at: Option<i64> = r.get(8).ok().flatten();
                        k.health = if k.revoked_at.is_some() {
                            protocol::workflow::Health::Offline
                        } else {
                            crate::workflow::fleet::health(
                                now_ms(),
                                beat_at,
                                k.heartbeat.as_ref().and_then(|h| h.last_sync_at).map(to_ms),
                            )
                        };
                        k
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
}

fn kiosk_org(tx: &crate::store::Tx<'_>, id: &KioskId) -> AppResult<OrgId> {
    tx.query_row("SELECT org_id FROM kiosks WHERE id = ?1", [&id.0], |r| {
        r.get(0)
    })
    .optional()?
    .map(OrgId)
    .ok_or_else(|| AppError::not_found(&format!("终端 {id}")))
}

/// The org of a kiosk the actor may act on. A kiosk outside the actor's subtree reads as
/// unknown (404, not 403), so the answer does not tell whether another org has it.
pub(crate) fn own_kiosk_org(
    tx: &crate::store::Tx<'_>,
    actor: &Actor,
    id: &KioskId,
) -> AppResult<OrgId> {
    let org = kiosk_org(tx, id)?;
    match actor.check_org(tx, org) {
        Err(e) if e.code == ErrorCode::OutsideYourOrg => {
            Err(AppError::not_found(&format!("终端 {id}")))
        }
        checked => checked.map(|()| org),
    }
}

/// Revokes a kiosk: every later call with its credentials is refused, its stream is closed.
pub async fn revoke(state: &AppState, actor: Actor, id: KioskId) -> AppResult<()> {
    let kiosk = id.clone();
    state
        .db
        .write(move |tx| {
            own_kiosk_org(tx, &actor, &kiosk)?;
            tx.execute(
                "UPDATE kiosks SET revoked_at = coalesce(revoked_at, ?1) WHERE id = ?2",
                params![now_ms(), kiosk.0],
            )?;
            Ok(())
        })
        .await?;
    state.hub.kiosk_changed(&id);
    tracing::info!(kiosk = %id, "kiosk revoked");
    Ok(())
}

/// Moves a kiosk to another org. Its scope changes, so its next pull starts a resync.
pub async fn move_to(state: &AppState, actor: Actor, id: KioskId, org: OrgId) -> AppResult<()> {
    let kiosk = id.clone();
    state
        .db
        .write(move |tx| {
            own_kiosk_org(tx, &actor, &kiosk)?;
            actor.check_org(tx, org)?;
            tx.execute(
                "UPDATE kiosks SET org_id = ?1, scope_epoch = scope_epoch + 1 WHERE id = ?2",
                params![org.0, kiosk.0],
            )?;
            Ok(())
        })
        .await?;
    state.hub.kiosk_changed(&id);
    Ok(())
}
