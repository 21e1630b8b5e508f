//! The demo pack's 知识竞赛: a bank of fifteen questions on union and labour-law basics
//! (`assets/demo/quiz.toml`), published at the root org.

use super::upsert;
use crate::state::AppState;
use anyhow::Context;
use protocol::quiz::Quiz;
use protocol::{ContentBody, OrgId};

/// Publishes the quiz (the same again changes nothing).
pub(super) async fn load(state: &AppState, root: OrgId, text: &str) -> anyhow::Result<()> {
    let quiz: Quiz = toml::from_str(text).context("quiz.toml")?;
    upsert(state, "quiz".to_owned(), root, ContentBody::Quiz(quiz)).await?;
    Ok(())
}
