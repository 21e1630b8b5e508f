//! Union Kiosk: the lobby touchscreen. `ui` is the iced app; the other modules are the core it
//! runs on and hold no widgets. `core` is the API the screens call; `store` keeps the offline
//! cache and the outbox in SQLite; `sync` keeps them in step with the server, which `net` talks
//! to over a pinned certificate; `search` and `shelf` hold the library catalogue in memory; `ime`
//! turns typed pinyin into characters; `fonts` is the CJK font the app ships; `config` reads the
//! kiosk's TOML; `admin` holds branch IT's commands (`enroll`, `doctor`).

pub mod admin;
pub mod branch_page;
pub mod competitions;
pub mod config;
pub mod core;
pub mod fonts;
pub mod ime;
pub mod logs;
pub mod net;
pub mod places;
pub mod polls;
pub mod proposals;
pub mod provision;
pub mod quiz;
pub mod remote;
pub mod search;
pub mod shelf;
pub mod store;
pub mod sync;
pub mod ui;
pub mod usage;
pub mod watchdog;
