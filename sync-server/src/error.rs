//! The server's error type: every failure a handler or the CLI can meet, with the HTTP status,
//! a stable code and a sentence for staff.
//!
//! An internal error keeps its cause (`source()`, so the CLI prints the whole chain) and is
//! logged once, where it becomes a response: [`AppError::log_cause`], called by `IntoResponse`
//! and by the console's error pages. The cause is never sent.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use protocol::content::Problem;
use protocol::{ApiErrorBody, ErrorCode};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AppError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    #[source]
    cause: Option<Cause>,
}

/// What went wrong inside the server, and where.
#[derive(Debug, thiserror::Error)]
#[error("{context}")]
struct Cause {
    context: &'static str,
    #[source]
    source: BoxError,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        AppError {
            status,
            code,
            message: message.into(),
            cause: None,
        }
    }

    pub fn bad_request(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthorized(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, ErrorCode::OutsideYourOrg, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            format!("找不到{what}"),
        )
    }

    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn invalid(problems: &[Problem]) -> Self {
        let list: Vec<String> = problems
            .iter()
            .map(|p| format!("{}：{}", p.field, p.message))
            .collect();
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidContent,
            format!("内容有误：{}", list.join("；")),
        )
    }

    /// The same error with its message rewritten (the cause, if any, is kept).
    pub fn map_message(mut self, f: impl FnOnce(String) -> String) -> Self {
        self.message = f(self.message);
        self
    }

    /// An error whose cause must not reach the client. It is kept, not logged: the edge that
    /// turns the error into a response logs it (see [`AppError::log_cause`]).
    pub fn internal(context: &'static str, cause: impl Into<BoxError>) -> Self {
        AppError {
            cause: Some(Cause {
                context,
                source: cause.into(),
            }),
            ..Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                "服务器内部错误，请稍后再试；问题已记录在服务器日志中",
            )
        }
    }

    /// The disk under the data dir is full: the write was rolled back and nothing is stored,
    /// so the client may send the same request again later (503 with `Retry-After`). The cause
    /// is logged like an internal one, so the operator sees what filled up.
    pub fn storage_full(context: &'static str, cause: impl Into<BoxError>) -> Self {
        AppError {
            cause: Some(Cause {
                context,
                source: cause.into(),
            }),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::StorageFull,
                "服务器磁盘已满，本次内容未保存；请稍后重试，并通知管理员清理空间",
            )
        }
    }

    /// Logs the internal cause, if there is one. Call it exactly where the error becomes an
    /// answer (a JSON body, a console page, a redirect), so each failure is logged once.
    pub fn log_cause(&self) {
        if let Some(cause) = &self.cause {
            tracing::error!(cause = %Chain(&*cause.source), "{}", cause.context);
        }
    }

    /// The error with every cause behind it, for logs of failures no client sees.
    pub fn chain(&self) -> impl std::fmt::Display + '_ {
        Chain(self)
    }
}

/// An error and its sources, joined by `: `.
struct Chain<'a>(&'a (dyn std::error::Error + 'static));

impl std::fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut next = self.0.source();
        while let Some(e) = next {
            write!(f, ": {e}")?;
            next = e.source();
        }
        Ok(())
    }
}

impl From<crate::store::Error> for AppError {
    fn from(e: crate::store::Error) -> Self {
        if let crate::store::Error::DiskFull(_) = e {
            return AppError::storage_full("the database cannot grow", e);
        }
        AppError::internal("database error", e)
    }
}

/// For `db`, which opens connections and transactions itself: rusqlite's error as the store's.
impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> Self {
        AppError::from(crate::store::Error::from(e))
    }
}

impl From<r2d2::Error> for AppError {
    fn from(e: r2d2::Error) -> Self {
        AppError::internal("database pool error", e)
    }
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> Self {
        AppError::internal("stored JSON could not be read", e)
    }
}

impl From<std::io::Error> for AppError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::StorageFull {
            return AppError::storage_full("a file cannot be written", e);
        }
        AppError::internal("file system error", e)
    }
}

/// Seconds a client waits before sending again to a server whose disk is full.
const STORAGE_FULL_RETRY_AFTER: &str = "30";

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log_cause();
        let retry_after = (self.code == ErrorCode::StorageFull)
            .then_some([(axum::http::header::RETRY_AFTER, STORAGE_FULL_RETRY_AFTER)]);
        let body = ApiErrorBody {
            error: self.code,
            message: self.message,
        };
        (self.status, retry_after, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_keep_their_cause_for_the_log_only() {
        let io = std::io::Error::other("disk on fire");
        let e = AppError::internal("saving media", io);
        assert_eq!(e.code, ErrorCode::Internal);
        assert!(!e.message.contains("disk on fire"));
        assert_eq!(
            e.chain().to_string(),
            format!("internal: {}: saving media: disk on fire", e.message)
        );
    }

    #[test]
    fn a_full_disk_is_503_storage_full_with_retry_after() {
        let full = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            None,
        );
        let from_db = AppError::from(full);
        let from_file = AppError::from(std::io::Error::from(std::io::ErrorKind::StorageFull));
        for e in [from_db, from_file] {
            assert_eq!(
                (e.status, e.code),
                (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::StorageFull)
            );
            let resp = e.into_response();
            assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(resp.headers()[axum::http::header::RETRY_AFTER], "30");
        }
        let other = AppError::from(std::io::Error::other("not a full disk"));
        assert_eq!(other.code, ErrorCode::Internal);
    }
}
