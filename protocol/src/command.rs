//! Remote care: commands staff send a kiosk from the console (take a screenshot, sync now,
//! restart, report `doctor`, send recent log lines), the `command` event that carries one down
//! the kiosk's event stream, and the report the kiosk answers with.

use serde::{Deserialize, Serialize};

/// What staff can ask a kiosk to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandKind {
    /// Render what the screen shows now to PNG and upload it (a placeholder image instead when
    /// the screen on top can hold personal data).
    Screenshot,
    /// Deliver the outbox and pull now, whatever the backoff says.
    SyncNow,
    /// Acknowledge, then restart the app.
    Restart,
    /// Run `kiosk doctor` and send its report.
    Doctor,
    /// Send the app's recent log lines.
    Logs,
}

impl CommandKind {
    pub const ALL: [CommandKind; 5] = [
        CommandKind::Screenshot,
        CommandKind::SyncNow,
        CommandKind::Restart,
        CommandKind::Doctor,
        CommandKind::Logs,
    ];

    /// The kind as the wire (and the server's database) writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            CommandKind::Screenshot => "screenshot",
            CommandKind::SyncNow => "sync_now",
            CommandKind::Restart => "restart",
            CommandKind::Doctor => "doctor",
            CommandKind::Logs => "logs",
        }
    }

    pub fn parse(s: &str) -> Option<CommandKind> {
        CommandKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where a command stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandStatus {
    /// Stored; the kiosk has not been sent it yet (its stream is down).
    Pending,
    /// Sent on the kiosk's event stream; no answer yet.
    Delivered,
    /// The kiosk answered that it did it.
    Done,
    /// The kiosk answered that it could not.
    Failed,
    /// Nobody answered in time ([`COMMAND_TTL_SECONDS`]).
    Expired,
}

impl CommandStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CommandStatus::Pending => "pending",
            CommandStatus::Delivered => "delivered",
            CommandStatus::Done => "done",
            CommandStatus::Failed => "failed",
            CommandStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<CommandStatus> {
        [
            CommandStatus::Pending,
            CommandStatus::Delivered,
            CommandStatus::Done,
            CommandStatus::Failed,
            CommandStatus::Expired,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// Still waiting for the kiosk.
    pub fn is_open(self) -> bool {
        matches!(self, CommandStatus::Pending | CommandStatus::Delivered)
    }
}

/// The data of a `command` event on `GET /v1/events`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskCommand {
    pub id: i64,
    pub kind: CommandKind,
}

/// A text answer to a command (`POST /v1/commands/{id}/result` with a JSON body): the doctor
/// report, the log lines, what a sync did, or why the command could not be carried out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandReport {
    /// Whether the command was carried out (`done`) or not (`failed`).
    pub ok: bool,
    pub text: String,
}

/// A command not answered this long after staff asked is expired.
pub const COMMAND_TTL_SECONDS: u64 = 10 * 60;
/// The longest report text kept, in bytes (a longer one is refused with `payload_too_large`).
pub const MAX_REPORT_BYTES: usize = 64 * 1024;
/// The largest screenshot accepted, in bytes.
pub const MAX_SCREENSHOT_BYTES: usize = 8 * 1024 * 1024;
/// The largest screenshot accepted, in pixels on its longer side (a 4K portrait screen fits).
pub const MAX_SCREENSHOT_SIDE: u32 = 4096;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_statuses_read_back() {
        for k in CommandKind::ALL {
            assert_eq!(CommandKind::parse(k.as_str()), Some(k));
            let wire = serde_json::to_string(&k).expect("serialises");
            assert_eq!(wire, format!("\"{}\"", k.as_str()));
        }
        assert_eq!(CommandKind::parse("format_disk"), None);
        let cmd: KioskCommand =
            serde_json::from_str(r#"{"id":7,"kind":"sync_now"}"#).expect("reads");
        assert_eq!(cmd.kind, CommandKind::SyncNow);
        assert_eq!(
            CommandStatus::parse("expired"),
            Some(CommandStatus::Expired)
        );
        assert!(CommandStatus::Delivered.is_open() && !CommandStatus::Done.is_open());
    }
}
