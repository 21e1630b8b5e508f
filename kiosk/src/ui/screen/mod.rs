//! One module per screen: each has its `State` (if any), `Message`, `update` and `view`.

pub mod admin;
pub mod article;
pub mod attract;
pub mod book;
pub mod form;
pub mod home;
pub mod library;
pub mod news;
pub mod search;
pub mod status;
