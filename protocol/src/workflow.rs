//! What happens to a submission after it arrives: staff read it, move it along
//! (received → processing → replied / approved / rejected) with a reply, and the employee checks
//! on it at any kiosk with the receipt code and the last four digits of their phone (办理进度).
//! Also the kiosk's heartbeat, which tells the fleet pages how each kiosk is.

use crate::ids::{ContentId, KioskId, OrgId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Received,
    Processing,
    Replied,
    Approved,
    Rejected,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Received,
        Status::Processing,
        Status::Replied,
        Status::Approved,
        Status::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Processing => "processing",
            Status::Replied => "replied",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// How employees and staff read it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Received => "已收到",
            Status::Processing => "办理中",
            Status::Replied => "已答复",
            Status::Approved => "已通过",
            Status::Rejected => "未通过",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Status::Received => "Received",
            Status::Processing => "In progress",
            Status::Replied => "Answered",
            Status::Approved => "Approved",
            Status::Rejected => "Not approved",
        }
    }

    /// Whether staff may move a submission from `self` to `to`. Anything may go back to
    /// "processing" (a second look); a finished one may be answered again with a new reply.
    pub fn can_become(self, to: Status) -> bool {
        match to {
            Status::Received => false,
            Status::Processing => self != Status::Processing,
            Status::Replied | Status::Approved | Status::Rejected => true,
        }
    }
}

/// One line of the staff inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionSummary {
    pub id: String,
    pub receipt: String,
    pub form_id: ContentId,
    pub form_version: u32,
    pub form_title: String,
    pub org_id: OrgId,
    pub org_name: String,
    pub kiosk_id: KioskId,
    pub status: Status,
    pub submitted_at: Timestamp,
    pub updated_at: Timestamp,
    /// When the answer is due (exclusive; see the server's `deadlines`). Absent for a booking
    /// request, and from older servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<Timestamp>,
    /// Who the case is assigned to: a person, or a lower org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<Assignee>,
    /// How many levels an overdue case has been escalated (0: not escalated).
    #[serde(default)]
    pub escalation_level: u32,
    /// The org it was escalated to last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalated_to: Option<Assignee>,
}

/// Who a case is assigned (or escalated) to: a staff member, or an org; `name` as staff read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignee {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<OrgId>,
    pub name: String,
}

/// Staff assign a case to a case handler (`staff_id`) or to an org (`org_id`), one of the two,
/// `POST /v1/staff/submissions/{id}/assign`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assign {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<OrgId>,
}

/// One answer as staff read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerRow {
    pub key: String,
    pub label: String,
    pub value: String,
}

/// One change in a submission's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: Timestamp,
    /// The staff member's display name.
    pub by: String,
    pub from: Status,
    pub to: Status,
    pub reply: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionDetail {
    pub summary: SubmissionSummary,
    pub answers: Vec<AnswerRow>,
    pub reply: Option<String>,
    pub history: Vec<HistoryEntry>,
    /// Assignments and escalations, oldest first. Absent from older servers.
    #[serde(default)]
    pub events: Vec<CaseEvent>,
}

/// Something that happened to a case besides a status change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseEvent {
    pub at: Timestamp,
    pub kind: CaseEventKind,
    /// Who did it (a staff member's display name; "系统" for the server).
    pub by: String,
    /// To whom: the assignee, or the org it was escalated to.
    pub to: String,
    /// For an escalation: which level.
    #[serde(default)]
    pub level: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseEventKind {
    Assigned,
    Escalated,
}

/// Staff move a submission along.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub status: Status,
    #[serde(default)]
    pub reply: Option<String>,
}

/// Longest reply staff may write.
pub const REPLY_MAX: usize = 2_000;

/// A kiosk asks on an employee's behalf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusQuery {
    pub receipt: String,
    pub phone_last4: String,
}

/// The answer when the receipt code and phone digits match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusAnswer {
    pub receipt: String,
    pub form_title: String,
    pub status: Status,
    pub reply: Option<String>,
    pub submitted_at: Timestamp,
    pub updated_at: Timestamp,
    /// For a booking request (see `places`): where it stands. Absent for a form, and from older
    /// servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booking: Option<Box<crate::places::BookingOutcome>>,
    /// For a vote in a poll (see `poll`): whether it was counted. Absent otherwise, and from
    /// older servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vote: Option<crate::poll::VoteOutcome>,
    /// While the case is open and its deadline has not passed: the day (in China) the answer is
    /// expected by ("受理中，预计 12月3日 前答复"). Absent otherwise, and from older servers;
    /// older kiosks ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_by: Option<jiff::civil::Date>,
}

/// How a kiosk is, for the fleet pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// Heard from within two heartbeat intervals and synced recently.
    Online,
    /// Heard from, but its last good sync is old: its content may be behind.
    Stale,
    /// Not heard from within two heartbeat intervals.
    Offline,
}

/// What a kiosk reports of itself, on every sync and every few minutes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    pub version: String,
    pub cursor: Option<String>,
    pub outbox_depth: u64,
    pub free_disk_bytes: Option<u64>,
    pub uptime_seconds: u64,
    pub last_sync_at: Option<Timestamp>,
    /// What people did at the kiosk, counted (`usage`): absent from older kiosks, ignored by
    /// older servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<crate::usage::Usage>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_move_sensibly() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert!(
                !s.can_become(Status::Received),
                "nothing goes back to received"
            );
        }
        assert!(Status::Received.can_become(Status::Processing));
        assert!(!Status::Processing.can_become(Status::Processing));
        assert!(Status::Approved.can_become(Status::Processing));
        assert!(
            Status::Replied.can_become(Status::Replied),
            "a second answer"
        );
        assert_eq!(Status::parse("done"), None);
    }
}
