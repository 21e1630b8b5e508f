//! Staff work on submissions and what kiosks report back: the staff inbox with status changes,
//! due and overdue filters, the urgency order and CSV export (`inbox`), assigning a case to a
//! case handler or an org (`assign`), the employee's status check (`status_check`), and kiosk heartbeats
//! with fleet health (`fleet`), the audit log of staff reads of answers (`audit`), and erasing answers past their retention
//! period (`retention`).

pub mod assign;
pub mod audit;
pub mod fleet;
pub mod inbox;
pub mod retention;
pub mod status_check;

use protocol::content::{ContentBody, FormDefinition};

/// The form definition in a stored form version's body.
fn form_of(body: &str) -> Option<FormDefinition> {
    match serde_json::from_str::<ContentBody>(body).ok()? {
        ContentBody::Form(f) => Some(f),
        _ => None,
    }
}
