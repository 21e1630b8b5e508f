//! End-to-end tests: the real sync server over real TLS, driven by the real kiosk client;
//! (`ui`) the touchscreen app in iced's headless simulator over a kiosk synced from it; and
//! (`browser`) the staff console in headless Chromium. One test binary, so the whole workspace
//! links it once.

mod accounts;
mod branch_page;
mod browser;
mod catalog;
mod catalog_formats;
mod console;
mod core_api;
mod deadlines;
mod demo;
mod display;
mod docx;
mod enroll;
mod errors;
mod events;
mod fault;
mod feed;
mod form_builder;
mod hardening;
mod hostile;
mod hours;
mod import_progress;
mod kiosk_core;
mod library_sync;
mod media;
mod news;
mod ops;
mod org_admin;
mod outbox;
mod packaging;
mod places;
mod privacy;
mod refused;
mod remote;
mod remote_window;
mod revisions;
mod roles;
mod rotation;
mod scope;
mod submissions;
mod swarm;
mod tasks;
mod ui;
mod watchdog;
mod workflow;
