//! Wire types shared by the sync server and the kiosk: what crosses HTTPS, and nothing else.
//!
//! This crate knows nothing of iced, axum, tokio or SQLite. Both sides convert their own internal
//! types to and from these at the edge. `docs/protocol.md` describes the endpoints that carry them.

/// Implements `Debug` for a struct that carries a secret: the listed fields are shown, the hidden
/// ones print as `<redacted>`, so a stray `{:?}` in a log cannot leak a password or a token.
macro_rules! debug_redacted {
    ($ty:ident { show: [$($shown:ident),*], hide: [$($hidden:ident),*] }) => {
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    $(.field(stringify!($shown), &self.$shown))*
                    $(.field(stringify!($hidden), &"<redacted>"))*
                    .finish()
            }
        }
    };
}

pub mod answers;
pub mod branch_page;
pub mod command;
pub mod competition;
pub mod content;
pub mod enroll;
pub mod error;
pub mod feed;
pub mod ids;
pub mod isbn;
pub mod places;
pub mod poll;
pub mod proposal;
pub mod quiz;
pub mod staff;
pub mod submission;
pub mod usage;
pub mod workflow;

pub use content::{ContentBody, ContentItem, ContentKind};
pub use enroll::{EnrollRequest, EnrollResponse, EnrollmentString, Fingerprint};
pub use error::{ApiErrorBody, ErrorCode};
pub use feed::{Change, ChangesResponse, Cursor, FeedNotice, KioskInfo, OrgSummary};
pub use ids::{ContentId, KioskId, MediaHash, OrgId};
