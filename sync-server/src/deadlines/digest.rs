//! The daily digest (今日待办): what a case handler has to do today — cases overdue, due today,
//! escalated to their org, assigned to them, and new in the last day — within their subtree.
//! The console shows it whole (`/console/digest`); the e-mail (`mail`) carries only its counts.

use jiff::civil::Date;
use protocol::workflow::SubmissionSummary;

use super::china_date;
use crate::error::AppResult;
use crate::orgs::Actor;
use crate::state::AppState;
use crate::workflow::inbox::{self, Due, Filter};

/// A staff member's digest at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// The day it is for (China time).
    pub day: Date,
    pub overdue: Vec<SubmissionSummary>,
    pub due_today: Vec<SubmissionSummary>,
    pub escalated: Vec<SubmissionSummary>,
    pub mine: Vec<SubmissionSummary>,
    pub new: Vec<SubmissionSummary>,
}

/// How many of each, as the e-mail tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub overdue: usize,
    pub due_today: usize,
    pub escalated: usize,
    pub mine: usize,
    pub new: usize,
}

impl Counts {
    pub fn is_empty(self) -> bool {
        self.overdue + self.due_today + self.escalated + self.mine + self.new == 0
    }
}

impl Digest {
    pub fn counts(&self) -> Counts {
        Counts {
            overdue: self.overdue.len(),
            due_today: self.due_today.len(),
            escalated: self.escalated.len(),
            mine: self.mine.len(),
            new: self.new.len(),
        }
    }
}

/// The digest of `actor` at `now` (ms).
pub async fn of(state: &AppState, actor: Actor, now: i64) -> AppResult<Digest> {
    let list = |due: Due| {
        inbox::list(
            state,
            actor.clone(),
            Filter {
                due: Some(due.as_str().to_owned()),
                sort: Some("urgency".to_owned()),
                limit: Some(10_000),
                now: Some(now),
                ..Filter::default()
            },
        )
    };
    Ok(Digest {
        day: china_date(now),
        overdue: list(Due::Overdue).await?,
        due_today: list(Due::Today).await?,
        escalated: list(Due::Escalated).await?,
        mine: list(Due::Mine)
            .await?
            .into_iter()
            .filter(|s| {
                s.assigned_to
                    .as_ref()
                    .is_some_and(|a| a.staff_id.is_some() && a.staff_id == actor.staff_id())
            })
            .collect(),
        new: list(Due::New).await?,
    })
}
