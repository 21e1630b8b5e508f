//! Remote care: commands staff send a kiosk (screenshot, sync now, restart, doctor, logs).
//!
//! A command is stored `pending`, the kiosk's event stream is woken (`Hub::command_queued`) and
//! sends it as a `command` event (`delivered`); the kiosk answers with
//! `POST /v1/commands/{id}/result` (`done` or `failed`, with a PNG or a text). A stream that
//! (re)connects sends every command still open, so a command survives a dropped connection; one
//! nobody answered within [`COMMAND_TTL_SECONDS`] is `expired`. Staff may ask and look only for
//! kiosks of their subtree (anything else reads as unknown, 404); a kiosk may answer only its
//! own commands. Every screenshot asked for is in the audit log with the kiosk.

use crate::store::{OptionalExtension, Tx, params};
use axum::http::StatusCode;
use protocol::command::{
    COMMAND_TTL_SECONDS, CommandKind, CommandReport, CommandStatus, KioskCommand, MAX_REPORT_BYTES,
    MAX_SCREENSHOT_BYTES, MAX_SCREENSHOT_SIDE,
};
use protocol::staff::AuditAction;
use protocol::{ErrorCode, KioskId};

use crate::db::{now_ms, to_ts};
use crate::error::{AppError, AppResult};
use crate::kiosks::{Kiosk, own_kiosk_org};
use crate::orgs::Actor;
use crate::state::AppState;

/// Screenshots are dropped this long after they arrived (the command's row stays).
const SCREENSHOT_KEEP_MS: i64 = 7 * 24 * 3600 * 1000;
/// The smallest screen a screenshot may show, per side.
const MIN_SCREENSHOT_SIDE: u32 = 16;
/// Commands listed per kiosk in the console.
pub const LISTED: u32 = 20;

/// One command as staff see it.
#[derive(Debug, Clone)]
pub struct CommandRecord {
    pub id: i64,
    pub kind: CommandKind,
    pub status: CommandStatus,
    /// Who asked (display name), or empty for the operator.
    pub requested_by: String,
    pub requested_at: jiff::Timestamp,
    pub finished_at: Option<jiff::Timestamp>,
    pub text: Option<String>,
    pub has_screenshot: bool,
}

/// What a kiosk answers.
pub enum Answer {
    Report(CommandReport),
    Screenshot(Vec<u8>),
}

/// Expires what nobody answered in time and drops old screenshots.
fn sweep(tx: &Tx<'_>, now: i64) -> AppResult<()> {
    let ttl_ms = i64::try_from(COMMAND_TTL_SECONDS * 1000).unwrap_or(i64::MAX);
    tx.execute(
        "UPDATE kiosk_commands SET status = 'expired', finished_at = ?1
         WHERE status IN ('pending', 'delivered') AND requested_at < ?2",
        params![now, now - ttl_ms],
    )?;
    tx.execute(
        "UPDATE kiosk_commands SET result_png = NULL
         WHERE result_png IS NOT NULL AND finished_at < ?1",
        [now - SCREENSHOT_KEEP_MS],
    )?;
    Ok(())
}

/// What [`request`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requested {
    /// A new command, with its id.
    New(i64),
    /// The same kind was already on its way to the kiosk (this id): nothing was added, so a
    /// kiosk holds at most one open command of each kind however often staff click.
    AlreadyOpen(i64),
}

impl Requested {
    pub fn id(self) -> i64 {
        match self {
            Requested::New(id) | Requested::AlreadyOpen(id) => id,
        }
    }
}

/// Stores a command for a kiosk of the actor's subtree and wakes the kiosk's stream.
pub async fn request(
    state: &AppState,
    actor: Actor,
    kiosk: KioskId,
    kind: CommandKind,
) -> AppResult<Requested> {
    let k = kiosk.clone();
    let requested = state
        .db
        .write(move |tx| {
            own_kiosk_org(tx, &actor, &k)?;
            let now = now_ms();
            sweep(tx, now)?;
            let open: Option<i64> = tx
                .query_row(
                    "SELECT id FROM kiosk_commands WHERE kiosk_id = ?1 AND kind = ?2
                     AND status IN ('pending', 'delivered')",
                    params![k.0, kind.as_str()],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(id) = open {
                return Ok(Requested::AlreadyOpen(id));
            }
            let id: i64 = tx.query_row(
                "INSERT INTO kiosk_commands (kiosk_id, kind, requested_by, requested_at)
                 VALUES (?1, ?2, ?3, ?4) RETURNING id",
                params![k.0, kind.as_str(), actor.staff_id(), now],
                |r| r.get(0),
            )?;
            if kind == CommandKind::Screenshot {
                crate::workflow::audit::record_kiosk(tx, &actor, AuditAction::Screenshot, &k, now)?;
            }
            Ok(Requested::New(id))
        })
        .await?;
    if let Requested::New(id) = requested {
        state.hub.command_queued(&kiosk);
        tracing::info!(kiosk = %kiosk, command = id, kind = kind.as_str(), "kiosk command queued");
    }
    Ok(requested)
}

/// The commands a kiosk's stream should send now, marked delivered: on connect every open one
/// (`reconnected`), afterwards the pending ones.
pub async fn to_deliver(
    state: &AppState,
    kiosk: KioskId,
    reconnected: bool,
) -> AppResult<Vec<KioskCommand>> {
    state
        .db
        .write(move |tx| {
            let now = now_ms();
            sweep(tx, now)?;
            let open = if reconnected {
                "('pending', 'delivered')"
            } else {
                "('pending')"
            };
            let rows = tx
                .prepare(&format!(
                    "SELECT id, kind FROM kiosk_commands
                     WHERE kiosk_id = ?1 AND status IN {open} ORDER BY id"
                ))?
                .query_map([&kiosk.0], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let mut out = Vec::with_capacity(rows.len());
            for (id, kind) in rows {
                tx.execute(
                    "UPDATE kiosk_commands SET status = 'delivered', delivered_at = ?1
                     WHERE id = ?2",
                    params![now, id],
                )?;
                if let Some(kind) = CommandKind::parse(&kind) {
                    out.push(KioskCommand { id, kind });
                }
            }
            Ok(out)
        })
        .await
}

fn too_large() -> AppError {
    AppError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::PayloadTooLarge,
        "上传的内容太大了",
    )
}

fn invalid_screenshot(why: &str) -> AppError {
    AppError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidScreenshot,
        format!("截图无法使用：{why}"),
    )
}

/// Checks that `bytes` are a whole PNG of sane dimensions by decoding it (within limits).
pub fn check_png(bytes: &[u8]) -> AppResult<(u32, u32)> {
    if bytes.len() > MAX_SCREENSHOT_BYTES {
        return Err(too_large());
    }
    let (w, h) = imaging::png_dimensions(bytes, MAX_SCREENSHOT_SIDE).map_err(|e| match e {
        imaging::PngError::NotPngOrTooLarge => invalid_screenshot("不是 PNG 图片，或尺寸超出范围"),
        imaging::PngError::Broken => invalid_screenshot("PNG 图片已损坏"),
    })?;
    if w < MIN_SCREENSHOT_SIDE || h < MIN_SCREENSHOT_SIDE {
        return Err(invalid_screenshot("尺寸太小"));
    }
    Ok((w, h))
}

/// A kiosk answers one of its own commands. Another kiosk's command reads as unknown (404); a
/// command already answered or expired is refused (`409 command_finished`).
pub async fn answer(state: &AppState, kiosk: Kiosk, id: i64, answer: Answer) -> AppResult<()> {
    let (ok, text, png) = match answer {
        Answer::Report(r) => {
            if r.text.len() > MAX_REPORT_BYTES {
                return Err(too_large());
            }
            (r.ok, Some(r.text), None)
        }
        Answer::Screenshot(bytes) => {
            let checked = crate::obs::spawn_blocking(move || check_png(&bytes).map(|_| bytes))
                .await
                .map_err(|e| AppError::internal("screenshot check", e))??;
            (true, None, Some(checked))
        }
    };
    let kiosk_id = kiosk.id.clone();
    let kind = state
        .db
        .write(move |tx| {
            let now = now_ms();
            sweep(tx, now)?;
            let row: Option<(String, String)> = tx
                .query_row(
                    "SELECT kind, status FROM kiosk_commands WHERE id = ?1 AND kiosk_id = ?2",
                    params![id, kiosk_id.0],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((kind, status)) = row else {
                return Err(AppError::not_found(&format!("指令 {id}")));
            };
            if !CommandStatus::parse(&status).is_some_and(CommandStatus::is_open) {
                return Err(AppError::conflict(
                    ErrorCode::CommandFinished,
                    "这条指令已经有了结果或已过期",
                ));
            }
            if png.is_some() != (kind == CommandKind::Screenshot.as_str()) && ok {
                return Err(AppError::bad_request(
                    ErrorCode::InvalidScreenshot,
                    "截图只能回答截图指令，截图指令须回答 PNG 图片",
                ));
            }
            let status = if ok { "done" } else { "failed" };
            tx.execute(
                "UPDATE kiosk_commands SET status = ?1, finished_at = ?2, result_text = ?3,
                        result_png = ?4 WHERE id = ?5",
                params![status, now, text, png, id],
            )?;
            Ok(kind)
        })
        .await?;
    tracing::info!(kiosk = %kiosk.id, command = id, kind, ok, "kiosk command answered");
    Ok(())
}

/// The newest commands of a kiosk of the actor's subtree.
pub async fn list(
    state: &AppState,
    actor: Actor,
    kiosk: KioskId,
    limit: u32,
) -> AppResult<Vec<CommandRecord>> {
    state
        .db
        .write(move |tx| {
            own_kiosk_org(tx, &actor, &kiosk)?;
            sweep(tx, now_ms())?;
            let rows = tx
                .prepare(
                    "SELECT c.id, c.kind, c.status, COALESCE(s.display_name, ''), c.requested_at,
                            c.finished_at, c.result_text, c.result_png IS NOT NULL
                     FROM kiosk_commands c LEFT JOIN staff s ON s.id = c.requested_by
                     WHERE c.kiosk_id = ?1 ORDER BY c.id DESC LIMIT ?2",
                )?
                .query_map(params![kiosk.0, limit], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, Option<i64>>(5)?,
                        r.get::<_, Option<String>>(6)?,
                        r.get::<_, bool>(7)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows
                .into_iter()
                .filter_map(|(id, kind, status, by, at, fin, text, png)| {
                    Some(CommandRecord {
                        id,
                        kind: CommandKind::parse(&kind)?,
                        status: CommandStatus::parse(&status)?,
                        requested_by: by,
                        requested_at: to_ts(at),
                        finished_at: fin.map(to_ts),
                        text,
                        has_screenshot: png,
                    })
                })
                .collect())
        })
        .await
}

/// A screenshot a kiosk of the actor's subtree sent (404 for anything else).
pub async fn screenshot(
    state: &AppState,
    actor: Actor,
    kiosk: KioskId,
    id: i64,
) -> AppResult<Vec<u8>> {
    state
        .db
        .read(move |tx| {
            own_kiosk_org(tx, &actor, &kiosk)?;
            tx.query_row(
                "SELECT result_png FROM kiosk_commands
                 WHERE id = ?1 AND kiosk_id = ?2 AND result_png IS NOT NULL",
                params![id, kiosk.0],
                |r| r.get::<_, Vec<u8>>(0),
            )
            .optional()?
            .ok_or_else(|| AppError::not_found(&format!("截图 {id}")))
        })
        .await
}
