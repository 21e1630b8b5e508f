//! Cases with deadlines (issue 17, part 5): each form's response deadline, the due time of every
//! case, escalation of overdue cases one org up, and the daily digest.
//!
//! - A form's deadline is a server-side setting (`form_deadlines`), set by publishers on the
//!   form's page: hours (24 h for feedback) or working days (3 for membership), counted with the
//!   holiday calendar (`calendar`). A form without a setting has [`Allowance::DEFAULT`] (three
//!   working days); a booking request has none (it is allocated the moment it arrives).
//! - A case's due time is fixed when it arrives (`set_due`, in the transaction that stores it):
//!   for working days, the end of the last allowed day, China time. Cases from before deadlines
//!   existed get theirs on the server's next run (`fill_in`), from when they were received.
//! - `escalate` moves overdue open cases one org up, once per deadline passed (`escalate.rs`).
//! - `digest` is what a staff member has to do today; `mail` sends it, if configured.
//!
//! Times: the database holds UTC milliseconds like everywhere else; every calendar question
//! ("which day", "today", "the end of the day") is asked in China time (Asia/Shanghai, UTC+8
//! all year), whatever the server's own zone, through [`china_date`] and [`china_midnight`].

pub mod calendar;
pub mod digest;
pub mod escalate;
pub mod mail;
pub mod settings;

use std::collections::BTreeSet;
use std::time::Duration;

use crate::store::{OptionalExtension, Tx, params};
use jiff::civil::Date;

pub use self::calendar::Calendar;
use crate::db::{now_ms, to_ts};
use crate::error::AppResult;
use crate::orgs::ids_in_path;
use crate::state::AppState;

/// The calendar the config names, or the built-in one.
pub fn load_calendar(config: &crate::config::DeadlinesConfig) -> anyhow::Result<Calendar> {
    use anyhow::Context;
    match &config.holidays_file {
        None => Ok(Calendar::built_in()),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the holidays file {}", path.display()))?;
            Calendar::parse(&text)
                .map_err(|bad| anyhow::anyhow!("holidays file {}: {bad}", path.display()))
        }
    }
}

/// How long staff have to answer a form's cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowance {
    /// Clock hours, nights and holidays included (咸阳's 24-hour feedback).
    Hours(u32),
    /// Working days after the day of receipt, by the holiday calendar and the org's closing days.
    WorkingDays(u32),
}

/// The largest allowance either way (a month of hours; 720 working days is absurd but harmless).
pub const MAX_AMOUNT: u32 = 720;

impl Allowance {
    /// A form without a setting (every form from before deadlines existed): three working days,
    /// what the demo's membership form promises and the seed platforms' usual answer time.
    pub const DEFAULT: Allowance = Allowance::WorkingDays(3);

    pub fn unit(self) -> &'static str {
        match self {
            Allowance::Hours(_) => "hours",
            Allowance::WorkingDays(_) => "working_days",
        }
    }

    pub fn amount(self) -> u32 {
        match self {
            Allowance::Hours(n) | Allowance::WorkingDays(n) => n,
        }
    }

    /// From the stored unit and amount; `None` if either is out of bounds.
    pub fn of(unit: &str, amount: u32) -> Option<Allowance> {
        if !(1..=MAX_AMOUNT).contains(&amount) {
            return None;
        }
        match unit {
            "hours" => Some(Allowance::Hours(amount)),
            "working_days" => Some(Allowance::WorkingDays(amount)),
            _ => None,
        }
    }

    /// As staff read it.
    pub fn label_zh(self) -> String {
        match self {
            Allowance::Hours(n) => format!("{n} 小时"),
            Allowance::WorkingDays(n) => format!("{n} 个工作日"),
        }
    }

    pub fn label_en(self) -> String {
        match self {
            Allowance::Hours(1) => "1 hour".to_owned(),
            Allowance::Hours(n) => format!("{n} hours"),
            Allowance::WorkingDays(1) => "1 working day".to_owned(),
            Allowance::WorkingDays(n) => format!("{n} working days"),
        }
    }

    /// When a case that started at `from` (ms) is due, exclusive: `from` plus the hours, or
    /// China's midnight after the last allowed working day. Working days are counted after the
    /// day `from` falls in; when `from` is a China midnight (an escalation's start is the
    /// previous level's due time) the day it begins is whole, so it is the first one counted.
    pub fn due(self, calendar: &Calendar, from: i64, closing: &BTreeSet<Date>) -> i64 {
        match self {
            Allowance::Hours(n) => from + i64::from(n) * 3_600_000,
            Allowance::WorkingDays(n) => {
                let day = china_date(from);
                let after = if china_midnight(day) == from {
                    day.yesterday().unwrap_or(day)
                } else {
                    day
                };
                let last = calendar.add_working_days(after, n, closing);
                china_midnight(last.tomorrow().unwrap_or(last))
            }
        }
    }
}

fn china() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::fixed(jiff::tz::offset(8))
}

/// The date in China at `ms`.
pub fn china_date(ms: i64) -> Date {
    to_ts(ms).to_zoned(china()).date()
}

/// China's midnight at the start of `day`, in ms.
pub fn china_midnight(day: Date) -> i64 {
    day.to_zoned(china())
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or(i64::MAX)
}

/// The day a due time (exclusive) falls on: the last day the answer is still in time.
pub fn due_date(due_at: i64) -> Date {
    china_date(due_at - 1)
}

/// The closing days that count for an org at `org_path`: its own and every org's above it.
pub fn closing_days(tx: &Tx<'_>, org_path: &str) -> AppResult<BTreeSet<Date>> {
    let ids: Vec<i64> = ids_in_path(org_path).into_iter().map(|o| o.0).collect();
    let ids = serde_json::to_string(&ids)?;
    let sql = if tx.is_postgres() {
        "SELECT day FROM closing_days
         WHERE org_id IN (SELECT value::bigint FROM jsonb_array_elements_text(?1::jsonb))"
    } else {
        "SELECT day FROM closing_days WHERE org_id IN (SELECT value FROM json_each(?1))"
    };
    let days = tx
        .prepare(sql)?
        .query_map([ids], |r| r.get::<_, String>(0))?
        .filter_map(|d| d.ok()?.parse::<Date>().ok())
        .collect();
    Ok(days)
}

/// A form's allowance: its setting, or the default.
pub fn allowance_of(tx: &Tx<'_>, form_id: &str) -> AppResult<Allowance> {
    let row: Option<(String, u32)> = tx
        .query_row(
            "SELECT unit, amount FROM form_deadlines WHERE form_id = ?1",
            [form_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row
        .and_then(|(unit, amount)| Allowance::of(&unit, amount))
        .unwrap_or(Allowance::DEFAULT))
}

/// Fixes a newly stored case's due time (and its first escalation at the same time), in the
/// transaction that stores it.
pub fn set_due(
    tx: &Tx<'_>,
    calendar: &Calendar,
    submission: &str,
    form_id: &str,
    org_path: &str,
    received: i64,
) -> AppResult<()> {
    let allowance = allowance_of(tx, form_id)?;
    let due = allowance.due(calendar, received, &closing_days(tx, org_path)?);
    tx.execute(
        "UPDATE submissions SET due_at = ?2, next_escalation_at = ?2 WHERE id = ?1",
        params![submission, due],
    )?;
    Ok(())
}

/// The open statuses: a case is waiting for staff while it is in one of them.
pub const OPEN: [&str; 2] = ["received", "processing"];

/// Gives every open form case without a due time (cases from before deadlines) one, counted
/// from when it was received. Returns how many.
pub fn fill_in(tx: &Tx<'_>, calendar: &Calendar) -> AppResult<usize> {
    let kind = if tx.is_postgres() {
        "fv.body::jsonb ->> 'kind'"
    } else {
        "json_extract(fv.body, '$.kind')"
    };
    let waiting: Vec<(String, String, String, i64)> = tx
        .prepare(&format!(
            "SELECT s.id, s.form_id, o.path, s.received_at FROM submissions s
             JOIN orgs o ON o.id = s.org_id
             JOIN form_versions fv ON fv.form_id = s.form_id AND fv.version = s.form_version
             WHERE s.due_at IS NULL AND s.status IN ('received', 'processing')
               AND {kind} = 'form'"
        ))?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    for (id, form, path, received) in &waiting {
        set_due(tx, calendar, id, form, path, *received)?;
    }
    Ok(waiting.len())
}

/// The server's own runs: every `deadlines.check_every_minutes`, due times filled in, overdue
/// cases escalated, and (when e-mail is on) the morning's digests sent.
pub async fn run_periodically(state: AppState) {
    let every =
        Duration::from_secs(u64::from(state.config.deadlines.check_every_minutes.max(1)) * 60);
    let mut tick = tokio::time::interval(every);
    let mut mailing: Option<tokio::task::JoinHandle<()>> = None;
    if let Some(last) = state.calendar.last_year()
        && !state.calendar.covers(china_date(now_ms()).year())
    {
        tracing::warn!(
            last_year = last,
            "the holiday calendar does not cover this year: working days are counted with plain \
             weekends; add the State Council's schedule to [deadlines] holidays_file"
        );
    }
    loop {
        tick.tick().await;
        let now = now_ms();
        match escalate::run(&state, now).await {
            Ok(report) if report.escalated > 0 || report.filled_in > 0 => tracing::info!(
                escalated = report.escalated,
                filled_in = report.filled_in,
                "deadlines: overdue cases escalated"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e.chain(), "deadline run failed; will retry"),
        }
        // Mail goes in its own task, one batch at a time, so a slow SMTP server never holds up
        // escalation.
        if let Some(config) = &state.config.deadlines.mail
            && mailing.as_ref().is_none_or(|m| m.is_finished())
        {
            let (state, config) = (state.clone(), config.clone());
            mailing = Some(tokio::spawn(async move {
                if let Err(e) = mail::send_due(&state, &config, now).await {
                    tracing::error!(error = %e.chain(), "sending digests failed; will retry");
                }
            }));
        }
    }
}

#[cfg(test)]
mod tests;
