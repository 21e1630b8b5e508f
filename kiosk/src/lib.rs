//! Union Kiosk: the lobby touchscreen's headless core. `net` talks to the sync server, `store`
//! keeps the offline cache and outbox, `sync` keeps them in step, `core` is the API the screens
//! use, `search` finds library items, `admin` holds the branch IT commands. The touchscreen UI comes with the kiosk app issue.

pub mod admin;
pub mod config;
pub mod core;
pub mod fonts;
pub mod ime;
pub mod net;
pub mod search;
pub mod shelf;
pub mod store;
pub mod sync;
pub mod ui;
