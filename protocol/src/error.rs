//! The body of every 4xx and 5xx response.

use serde::{Deserialize, Serialize};

/// `{ "error": "code", "message": "sentence" }`. `error` is a stable machine-readable code;
/// `message` is a short sentence for a person (Chinese-speaking staff read it in the console).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    pub error: String,
    pub message: String,
}
