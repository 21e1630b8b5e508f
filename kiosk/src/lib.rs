//! Union Kiosk: the lobby touchscreen. Today this crate holds the kiosk's network client (the
//! only code that talks to the sync server); the cache, sync engine, outbox and UI follow.

pub mod net;
