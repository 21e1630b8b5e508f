//! Union Kiosk sync server: content store, org hierarchy, kiosk enrollment, delta feed with live
//! push, and media, over HTTPS. `main.rs` is a thin CLI over this library, and the end-to-end
//! tests start the server through the same `Application::build`.

pub mod api;
pub mod app;
pub mod cli;
pub mod commands;
pub mod competitions;
pub mod config;
pub mod console;
pub mod content;
pub mod db;
pub mod deadlines;
pub mod demo;
pub mod error;
pub mod feed;
pub mod hub;
pub mod import;
pub mod kiosks;
pub mod leader;
pub mod media;
pub mod metrics;
pub mod multipart;
pub mod obs;
pub mod orgs;
pub mod pg_tls;
pub mod places;
pub mod polls;
pub mod proposals;
pub mod proxy_protocol;
pub mod quiz;
pub mod relay;
pub mod secrets;
pub mod staff;
pub mod state;
pub mod store;
pub mod submissions;
pub mod tasks;
pub mod tls;
pub mod trends;
pub mod usage;
pub mod watchdog;
pub mod workflow;

pub use app::Application;
pub use config::Config;
pub use state::AppState;
