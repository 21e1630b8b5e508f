//! Bulk publishing from files: news articles from Markdown, library catalogues from CSV, and
//! the generated cover images both use.

pub mod catalog;
pub mod covers;
pub mod news;
