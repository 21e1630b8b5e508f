//! The body of every 4xx and 5xx response, and the closed list of codes it may carry.

use serde::{Deserialize, Serialize};

/// `{ "error": "code", "message": "sentence" }`. `error` is a stable machine-readable code;
/// `message` is a short sentence for a person (Chinese-speaking staff read it in the console).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    pub error: ErrorCode,
    pub message: String,
}

/// Declares [`ErrorCode`] from one table, so the Rust name, the wire string and the doc line
/// cannot drift apart.
macro_rules! error_codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $wire:literal,)*) => {
        /// Every code the server answers with, as the wire writes it (`snake_case`).
        ///
        /// A code this build does not know (a newer server) reads as [`ErrorCode::Unrecognised`],
        /// never as a decoding failure: the kiosk then treats it like any other refusal.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum ErrorCode {
            $($(#[doc = $doc])* #[serde(rename = $wire)] $variant,)*
            /// A code newer than this build, or a body that was not ours at all.
            #[serde(other, rename = "unrecognised")]
            Unrecognised,
        }

        impl ErrorCode {
            /// Every code the server can send, in declaration order (for docs and tests).
            pub const ALL: &[ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code as it appears on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $wire,)*
                    ErrorCode::Unrecognised => "unrecognised",
                }
            }
        }
    };
}

error_codes! {
    // Requests that cannot be read.
    /// The request body is not JSON where JSON was expected.
    ExpectedJson = "expected_json",
    /// The body is not well-formed JSON.
    MalformedJson = "malformed_json",
    /// The JSON is well-formed but its fields are wrong.
    InvalidJsonFields = "invalid_json_fields",
    /// The body could not be read at all.
    UnreadableBody = "unreadable_body",
    /// The body is over the endpoint's limit.
    PayloadTooLarge = "payload_too_large",
    /// A query parameter is missing or malformed.
    InvalidQuery = "invalid_query",
    /// A path segment is malformed.
    InvalidPath = "invalid_path",
    /// No such endpoint.
    NoSuchEndpoint = "no_such_endpoint",
    /// The endpoint exists, but not for this method.
    MethodNotAllowed = "method_not_allowed",
    /// Something went wrong inside the server; the cause is in its log.
    Internal = "internal",
    /// The server's disk is full: nothing was stored; retry after `Retry-After` seconds.
    StorageFull = "storage_full",

    // Who is asking.
    /// No bearer token was sent.
    MissingCredentials = "missing_credentials",
    /// Wrong user name or password.
    InvalidCredentials = "invalid_credentials",
    /// The staff session is unknown or expired.
    InvalidSession = "invalid_session",
    /// Too many sign-in attempts for this user name or from this address; wait and try again.
    TooManyLogins = "too_many_logins",
    /// The account was disabled by an administrator; it cannot sign in.
    AccountDisabled = "account_disabled",
    /// The account's org (or an org above it) is disabled: its staff cannot sign in and its
    /// kiosks receive nothing until an administrator enables it again.
    OrgDisabled = "org_disabled",
    /// An administrator set this account's password: change it (`POST /v1/staff/me/password`)
    /// before doing anything else.
    PasswordChangeRequired = "password_change_required",
    /// The current password given to change it is wrong.
    WrongPassword = "wrong_password",
    /// The kiosk's credentials are unknown.
    InvalidKioskCredentials = "invalid_kiosk_credentials",
    /// The kiosk was revoked by staff; it must be enrolled again.
    KioskRevoked = "kiosk_revoked",
    /// The caller named an org outside their subtree (an item outside it reads as `not_found`).
    OutsideYourOrg = "outside_your_org",
    /// No such item (or not visible to the caller).
    NotFound = "not_found",
    /// Only staff of the top org may do this (read the audit log).
    TopOrgOnly = "top_org_only",
    /// The account lacks the role this route needs (administrator, publisher, case handler,
    /// viewer); an administrator of its org can grant it.
    RoleRequired = "role_required",
    /// Granting a role one does not hold oneself, or changing one's own roles.
    RoleNotGrantable = "role_not_grantable",

    // Enrollment.
    /// The enrollment token does not exist.
    EnrollmentTokenUnknown = "enrollment_token_unknown",
    /// The enrollment token was already used.
    EnrollmentTokenUsed = "enrollment_token_used",
    /// The enrollment token has expired.
    EnrollmentTokenExpired = "enrollment_token_expired",
    /// No more kiosks can be enrolled (receipt prefixes exhausted).
    FleetFull = "fleet_full",

    // Feed and media.
    /// The `since` cursor cannot be read.
    InvalidCursor = "invalid_cursor",
    /// A media hash is not 64 hex digits.
    InvalidHash = "invalid_hash",

    // Content written by staff.
    /// The content fails validation; the message lists each problem.
    InvalidContent = "invalid_content",
    /// The publish-at / expire-at pair is impossible.
    InvalidSchedule = "invalid_schedule",
    /// An item exists with this id but of another kind.
    KindMismatch = "kind_mismatch",
    /// The content names media the server does not hold.
    UnknownMedia = "unknown_media",
    /// The content refers to an item that does not exist.
    UnknownReference = "unknown_reference",
    /// A Markdown article could not be read.
    InvalidArticle = "invalid_article",
    /// A catalogue CSV has errors; the message lists them.
    InvalidCsv = "invalid_csv",
    /// An imported file changed while it was being read.
    FileChanged = "file_changed",
    /// An imported file could not be read.
    UnreadableFile = "unreadable_file",
    /// An image an item needs is not there.
    MissingImage = "missing_image",

    // Uploads.
    /// The multipart upload could not be read.
    InvalidUpload = "invalid_upload",
    /// The upload has no `file` field.
    MissingFile = "missing_file",
    /// The uploaded file is empty.
    EmptyUpload = "empty_upload",
    /// The upload is not an image format the server reads.
    NotAnImage = "not_an_image",
    /// The image could not be decoded.
    BrokenImage = "broken_image",
    /// The image's dimensions are over the limit.
    ImageTooLarge = "image_too_large",

    // Orgs and accounts.
    /// An org name is empty or too long.
    InvalidName = "invalid_name",
    /// A sibling org already has this name.
    NameTaken = "name_taken",
    /// The tree already has a root org.
    RootExists = "root_exists",
    /// An org cannot move there: under itself or one of its own sub-orgs, or the root.
    InvalidMove = "invalid_move",
    /// This cannot be done to one's own org (disabling it).
    OwnOrg = "own_org",
    /// More than one org matches the name given.
    AmbiguousOrg = "ambiguous_org",
    /// A user name is empty, too long, or uses characters not allowed.
    InvalidUsername = "invalid_username",
    /// The user name is taken.
    UsernameTaken = "username_taken",
    /// The password is too short.
    WeakPassword = "weak_password",
    /// This action cannot be taken on one's own account (disabling it, or resetting its password
    /// without the current one).
    OwnAccount = "own_account",
    /// An enrollment token's validity is out of range.
    InvalidValidity = "invalid_validity",

    // Submissions and their workflow.
    /// The submission id is not a UUID.
    InvalidSubmissionId = "invalid_submission_id",
    /// The receipt code does not belong to this kiosk.
    InvalidReceipt = "invalid_receipt",
    /// The sealed answers are not valid base64 or cannot be opened.
    InvalidSealed = "invalid_sealed",
    /// The sealed answers cannot be opened with the server's key (the kiosk holds a stale key).
    Undecryptable = "undecryptable",
    /// The submission id is taken by a different submission.
    SubmissionConflict = "submission_conflict",
    /// The form version answered does not exist.
    UnknownFormVersion = "unknown_form_version",
    /// The answers break the form's rules.
    InvalidAnswers = "invalid_answers",
    /// A submission status that does not exist.
    InvalidStatus = "invalid_status",
    /// A status change that the workflow does not allow.
    InvalidTransition = "invalid_transition",
    /// This status change needs a reply to the employee.
    ReplyRequired = "reply_required",
    /// The reply is too long.
    ReplyTooLong = "reply_too_long",
    /// Too many status checks; try again later.
    TooManyChecks = "too_many_checks",
    /// A response deadline (or an org's closing day) out of range.
    InvalidDeadline = "invalid_deadline",
    /// A case cannot be assigned there: not a case handler, or not someone (or an org) who can
    /// see the case, or outside the caller's org.
    InvalidAssignee = "invalid_assignee",
    /// An e-mail address that does not read as one (`name@host`).
    InvalidEmail = "invalid_email",
    /// The request's address (path and query) is over the server's limit.
    UriTooLong = "uri_too_long",
    /// The `Range` asked for lies outside the file; `Content-Range` gives its length.
    RangeNotSatisfiable = "range_not_satisfiable",
    /// The server is shedding load (503): retry after `Retry-After` seconds, with backoff.
    ServerBusy = "server_busy",

    // Remote care (kiosk commands).
    /// The command was already answered, or expired before the answer came.
    CommandFinished = "command_finished",
    /// A screenshot is not a PNG the server can read, or its dimensions are out of range.
    InvalidScreenshot = "invalid_screenshot",
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_and_are_snake_case() {
        for code in ErrorCode::ALL {
            let wire = serde_json::to_string(code).expect("codes serialise");
            assert_eq!(wire, format!("\"{}\"", code.as_str()));
            let back: ErrorCode = serde_json::from_str(&wire).expect("codes deserialise");
            assert_eq!(back, *code);
            assert!(
                code.as_str()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_'),
                "{code}"
            );
        }
    }

    #[test]
    fn the_protocol_doc_lists_every_code() {
        let doc = include_str!("../../docs/protocol.md");
        let missing: Vec<&str> = ErrorCode::ALL
            .iter()
            .map(|c| c.as_str())
            .filter(|code| !doc.contains(&format!("| `{code}` |")))
            .collect();
        assert!(
            missing.is_empty(),
            "docs/protocol.md lacks a row for {missing:?}"
        );
    }

    #[test]
    fn an_unknown_code_is_unrecognised_not_an_error() {
        let body: ApiErrorBody =
            serde_json::from_str(r#"{"error":"from_the_future","message":"x"}"#)
                .expect("an unknown code still reads");
        assert_eq!(body.error, ErrorCode::Unrecognised);
    }
}
