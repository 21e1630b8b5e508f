//! Wire types shared by the sync server and the kiosk: what crosses HTTPS, and nothing else.
//!
//! This crate knows nothing of iced, axum, tokio or SQLite. Both sides convert their own internal
//! types to and from these at the edge. `docs/protocol.md` describes the endpoints that carry them.

pub mod answers;
pub mod content;
pub mod enroll;
pub mod error;
pub mod feed;
pub mod ids;
pub mod isbn;
pub mod staff;
pub mod submission;
pub mod workflow;

pub use content::{ContentBody, ContentItem, ContentKind};
pub use enroll::{EnrollRequest, EnrollResponse, EnrollmentString, Fingerprint};
pub use error::ApiErrorBody;
pub use feed::{Change, ChangesResponse, Cursor, FeedNotice, KioskInfo, OrgSummary};
pub use ids::{ContentId, KioskId, MediaHash, OrgId};
