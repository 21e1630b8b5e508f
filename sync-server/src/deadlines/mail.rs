//! The daily digest by e-mail: off unless the config has `[deadlines.mail]` (SMTP settings),
//! and then sent once a day (after `send_after_hour`, China time) to each case handler who gave
//! an address on their digest page. The message says how many cases are overdue, due today,
//! escalated, assigned and new, with a link to the console: never an applicant's name,
//! answers, phone or receipt code, since mail leaves the server. A day's digest is marked sent
//! in the database (`digest_sent`) before it goes, so a restart never sends it twice (a failed
//! send is logged, not retried that day).

use crate::store::params;
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use protocol::OrgId;
use protocol::staff::Role;

use super::digest::{self, Counts};
use super::{china_date, china_midnight};
use crate::config::MailConfig;
use crate::error::{AppError, AppResult};
use crate::orgs::Actor;
use crate::staff::roles::Roles;
use crate::state::AppState;

/// The longest digest address kept.
pub const ADDRESS_MAX: usize = 254;

/// Whether `address` reads as one mailbox (`name@host`).
pub fn valid_address(address: &str) -> bool {
    address.len() <= ADDRESS_MAX && address.parse::<lettre::Address>().is_ok()
}

/// The digest e-mail for one staff member: counts and a link, nothing about any applicant.
pub fn message(
    config: &MailConfig,
    to: &str,
    day: jiff::civil::Date,
    counts: Counts,
    link: &str,
) -> AppResult<Message> {
    let from: Mailbox = config
        .from
        .parse()
        .map_err(|e| AppError::internal("deadlines.mail.from", e))?;
    let to: Mailbox = to
        .parse()
        .map_err(|e| AppError::internal("a digest address", e))?;
    let body = format!(
        "今日待办（{month}月{date}日）\n\n\
         已超期：{overdue} 件\n\
         今天到期：{today} 件\n\
         升级到本单位：{escalated} 件\n\
         分派给我：{mine} 件\n\
         新收到（24 小时内）：{new} 件\n\n\
         请登录工会服务平台查看和办理：{link}\n\n\
         Today's digest ({day}): {overdue} overdue, {today} due today, {escalated} escalated to \
         your org, {mine} assigned to you, {new} new. Open the console: {link}\n\n\
         本邮件只含件数，不含职工的个人信息。如不想再收到，请在“今日待办”页面清除邮箱地址。\n",
        month = day.month(),
        date = day.day(),
        overdue = counts.overdue,
        today = counts.due_today,
        escalated = counts.escalated,
        mine = counts.mine,
        new = counts.new,
    );
    Message::builder()
        .from(from)
        .to(to)
        .subject(format!(
            "今日待办：{} 件超期，{} 件今天到期 / Today's digest",
            counts.overdue, counts.due_today
        ))
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| AppError::internal("building the digest e-mail", e))
}

fn transport(config: &MailConfig) -> AppResult<AsyncSmtpTransport<Tokio1Executor>> {
    let smtp = |e| AppError::internal("the SMTP settings", e);
    let mut builder = match config.tls.as_str() {
        "starttls" => {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.smtp_host).map_err(smtp)?
        }
        "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.smtp_host),
        _ => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.smtp_host).map_err(smtp)?,
    }
    .port(config.smtp_port)
    .timeout(Some(std::time::Duration::from_secs(30)));
    if let (Some(user), Some(password)) = (&config.username, &config.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}

/// A case handler waiting for today's digest.
struct Recipient {
    actor: Actor,
    address: String,
}

/// Sends today's digests that are due at `now` (ms) through the SMTP server `config` names
/// (the server's own run passes `[deadlines.mail]`, and never calls this without it). Returns
/// how many were sent.
pub async fn send_due(state: &AppState, config: &MailConfig, now: i64) -> AppResult<usize> {
    let config = config.clone();
    let day = china_date(now);
    let opens = china_midnight(day) + i64::from(config.send_after_hour.min(23)) * 3_600_000;
    if now < opens {
        return Ok(0);
    }
    let today = day.to_string();
    // Made before anyone is marked sent: a wrong setting marks no one.
    let mailer = transport(&config)?;
    let waiting: Vec<Recipient> = state
        .db
        .write(move |tx| {
            let rows: Vec<(i64, i64, String, String, String)> = tx
                .prepare(
                    "SELECT s.id, s.org_id, o.path, s.roles, s.digest_email FROM staff s
                     JOIN orgs o ON o.id = s.org_id
                     WHERE s.digest_email IS NOT NULL AND s.disabled_at IS NULL
                       AND NOT EXISTS (SELECT 1 FROM digest_sent d
                                       WHERE d.staff_id = s.id AND d.day = ?1)",
                )?
                .query_map([&today], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })?
                .collect::<Result<_, _>>()?;
            let mut out = Vec::new();
            for (id, org, org_path, roles, address) in rows {
                let roles = Roles::from_column(&roles);
                if !roles.has(Role::CaseHandler) {
                    continue;
                }
                tx.execute(
                    "INSERT INTO digest_sent (staff_id, day) VALUES (?1, ?2)",
                    params![id, today],
                )?;
                out.push(Recipient {
                    actor: Actor::Staff {
                        id,
                        org: OrgId(org),
                        org_path,
                        roles,
                        must_change: false,
                    },
                    address,
                });
            }
            Ok(out)
        })
        .await?;
    if waiting.is_empty() {
        return Ok(0);
    }
    let link = format!("{}console/digest", state.public_url);
    let mut sent = 0;
    // One recipient's failure is theirs alone: the others still get theirs.
    for recipient in waiting {
        let digest = match digest::of(state, recipient.actor, now).await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e.chain(), "a digest could not be read");
                continue;
            }
        };
        let counts = digest.counts();
        if counts.is_empty() {
            continue;
        }
        let message = match message(&config, &recipient.address, day, counts, &link) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e.chain(), "a digest e-mail could not be made");
                continue;
            }
        };
        match mailer.send(message).await {
            Ok(_) => sent += 1,
            // The address is personal data of staff, and an SMTP server's refusal usually
            // quotes it: the log says that one failed and the reply code, never the reply.
            Err(e) => tracing::warn!(
                code = %e.status().map(|c| c.to_string()).unwrap_or_default(),
                permanent = e.is_permanent(),
                "a digest e-mail could not be sent"
            ),
        }
    }
    Ok(sent)
}

/// Sets (or, with an empty address, clears) where `actor`'s digest is e-mailed.
pub async fn set_address(state: &AppState, actor: Actor, address: String) -> AppResult<()> {
    let address = address.trim().to_owned();
    if !address.is_empty() && !valid_address(&address) {
        return Err(AppError::bad_request(
            protocol::ErrorCode::InvalidEmail,
            "邮箱地址格式不对",
        ));
    }
    let Some(id) = actor.staff_id() else {
        return Ok(());
    };
    state
        .db
        .write(move |tx| {
            tx.execute(
                "UPDATE staff SET digest_email = ?2 WHERE id = ?1",
                params![id, (!address.is_empty()).then_some(address)],
            )?;
            Ok(())
        })
        .await
}

/// Where `actor`'s digest is e-mailed, if anywhere.
pub async fn address_of(state: &AppState, actor: Actor) -> AppResult<Option<String>> {
    let Some(id) = actor.staff_id() else {
        return Ok(None);
    };
    state
        .db
        .read(move |tx| {
            Ok(
                tx.query_row("SELECT digest_email FROM staff WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?,
            )
        })
        .await
}
