//! The staff JSON API (`/v1/staff/...`): sign-in, org units, accounts, content, media,
//! enrollment tokens and the kiosk fleet. The console and the CLI speak it too.

use crate::content::{ContentBody, ContentItem};
use crate::ids::{KioskId, MediaHash, OrgId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}
debug_redacted!(LoginRequest {
    show: [username],
    hide: [password]
});

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: Timestamp,
    pub staff: StaffInfo,
}
debug_redacted!(LoginResponse {
    show: [expires_at, staff],
    hide: [token]
});

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffInfo {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub org_id: OrgId,
    /// What the account may do within its org subtree, in [`Role::ALL`] order.
    #[serde(default)]
    pub roles: Vec<Role>,
}

/// A role within an org: which parts of the console and the staff API an account may use, always
/// within its own org and the orgs below it. An account holds any number of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Orgs, accounts and their roles, the kiosk fleet, the audit log.
    Admin,
    /// Content: news, the library, forms, opening hours, media.
    Publisher,
    /// Employees' submissions: the inbox, answering, exporting.
    CaseHandler,
    /// The dashboard and read-only lists. Every role includes it.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Admin,
        Role::Publisher,
        Role::CaseHandler,
        Role::Viewer,
    ];

    /// The role as the wire and the database write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Publisher => "publisher",
            Role::CaseHandler => "case_handler",
            Role::Viewer => "viewer",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Admin => "管理员",
            Role::Publisher => "内容发布",
            Role::CaseHandler => "事项办理",
            Role::Viewer => "查看",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Publisher => "Publisher",
            Role::CaseHandler => "Case handler",
            Role::Viewer => "Viewer",
        }
    }
}

/// `PUT /v1/staff/users/{id}/roles`: the account's roles from now on (its next request).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolesChange {
    pub roles: Vec<Role>,
}

/// An account as `GET /v1/staff/users` lists it: the person, and whether the account may sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffAccount {
    #[serde(flatten)]
    pub info: StaffInfo,
    /// A disabled account cannot sign in and has no sessions; it is kept for the records.
    pub disabled: bool,
    /// An administrator set its password; it must be changed at the next sign-in.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub must_change_password: bool,
}

/// `POST /v1/staff/me/password`: change one's own password, proving the current one.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}
debug_redacted!(PasswordChange {
    show: [],
    hide: [current_password, new_password]
});

/// `POST /v1/staff/users/{id}/password`: give another account a temporary password (its
/// sessions end; it must change the password at its next sign-in). Omitted, the server makes
/// one; either way the answer is [`TemporaryPassword`].
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PasswordReset {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_password: Option<String>,
}
debug_redacted!(PasswordReset {
    show: [],
    hide: [new_password]
});

/// What a staff member (or the server itself) did with employees' answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// Opened one submission with its answers.
    View,
    /// Exported submissions with their answers as CSV.
    Export,
    /// Changed a submission's status (the answer shows its answers).
    Change,
    /// Erased answers whose retention period had passed (by the server, no staff member).
    Erase,
    /// Asked a kiosk for a screenshot of what it shows (remote care); `kiosk_id` says which.
    Screenshot,
    /// Assigned a case to a case handler or an org.
    Assign,
    /// Escalated an overdue case one org up (by the server, no staff member).
    Escalate,
}

/// One line of the audit log, `GET /v1/staff/audit` (the top org's staff only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: Timestamp,
    /// The staff member; `None` for the server itself (retention) or the operator's CLI.
    pub staff_id: Option<i64>,
    /// Their user name and display name at the time of reading this log.
    pub staff_name: String,
    pub action: AuditAction,
    /// Receipt codes of the submissions concerned.
    pub receipts: Vec<String>,
    /// The kiosk concerned (a screenshot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kiosk_id: Option<crate::KioskId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    pub id: OrgId,
    pub parent_id: Option<OrgId>,
    pub name: String,
    /// 0 for the root.
    pub depth: u32,
    /// Disabled by an administrator (it, or an org above it): its kiosks receive nothing and
    /// its staff cannot sign in; nothing in it is deleted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
}

/// `PUT /v1/staff/orgs/{id}`: rename an org, or move it (with its sub-orgs, kiosks and
/// content) under another parent; either or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<OrgId>,
}

/// `PUT /v1/staff/users/{id}`: an account's display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffEdit {
    pub display_name: String,
}

/// The answer to a password reset: the temporary password, shown to the administrator once.
/// The account must change it at its next sign-in.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemporaryPassword {
    pub temporary_password: String,
}
debug_redacted!(TemporaryPassword {
    show: [],
    hide: [temporary_password]
});

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrg {
    pub parent_id: OrgId,
    pub name: String,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewStaff {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub display_name: String,
    pub org_id: OrgId,
    /// The new account's roles; omitted, the creator's own (a creator never grants a role they
    /// do not hold).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<Role>>,
}
debug_redacted!(NewStaff {
    show: [username, display_name, org_id, roles],
    hide: [password]
});

/// Create (`POST /v1/staff/content`) or replace (`PUT /v1/staff/content/{id}`) an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentWrite {
    pub org_id: OrgId,
    /// Published items reach kiosks (from `publish_at`, until `expire_at`); drafts do not.
    #[serde(default = "yes")]
    pub published: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_at: Option<Timestamp>,
    pub body: ContentBody,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentState {
    Draft,
    Published,
    Unpublished,
}

/// An item as staff see it: the kiosk view plus its state and whether kiosks see it right now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentRecord {
    pub item: ContentItem,
    pub state: ContentState,
    /// Published, and now is within publish-at .. expire-at.
    pub live: bool,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaInfo {
    pub sha256: MediaHash,
    pub mime: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
}

/// `POST /v1/staff/media` stores two renditions; content refers to `display` and the kiosk uses
/// `thumbnail` in lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaUploaded {
    pub display: MediaInfo,
    pub thumbnail: MediaInfo,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEnrollmentToken {
    pub org_id: OrgId,
    /// How long the token stays usable; default 24 hours, at most 30 days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_minutes: Option<u32>,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentTokenCreated {
    pub enrollment_string: String,
    pub expires_at: Timestamp,
}
debug_redacted!(EnrollmentTokenCreated {
    show: [expires_at],
    hide: [enrollment_string]
});

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskRecord {
    pub id: KioskId,
    pub name: String,
    pub org_id: OrgId,
    pub version: String,
    pub enrolled_at: Timestamp,
    pub last_seen_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    /// Online / stale / offline, from heartbeats (see `docs/protocol.md`).
    pub health: crate::workflow::Health,
    /// The kiosk's last report of itself, if it has sent one.
    #[serde(default)]
    pub heartbeat: Option<crate::workflow::Heartbeat>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveKiosk {
    pub org_id: OrgId,
}
