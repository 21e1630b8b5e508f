//! Remote care: carrying out the commands staff send from the console, which arrive as
//! `command` events on the event stream (`sync::Engine::listen` hands them here), and answering
//! each one (`POST /v1/commands/{id}/result`).
//!
//! - `sync_now`: [`Engine::sync_now`]; the answer says what it did, or why it failed.
//! - `doctor`: the report of `kiosk doctor` ([`crate::admin::doctor`]).
//! - `logs`: the app's recent log lines ([`crate::logs`]).
//! - `screenshot`: needs the screen, so it goes to the app ([`Engine::screenshot_requests`]),
//!   which answers with a PNG of its window, or with [`PRIVACY_PLACEHOLDER`] when the screen
//!   on top can hold personal data. Without a screen (`kiosk sync`) it fails, saying so.
//! - `restart`: answered first, then the process restarts ([`restart`]): under a service manager
//!   (systemd runs the kiosk with `Restart=always`) it exits and is started again; otherwise it
//!   replaces itself with a fresh copy of the same program and arguments (same process id, new
//!   process image). A restart is carried out only once its answer was accepted, so a command
//!   the server resends after a reconnect cannot restart the kiosk twice.

use protocol::command::{CommandKind, CommandReport, KioskCommand, MAX_REPORT_BYTES};

use crate::sync::Engine;

/// The image a screenshot sends instead of the screen when the screen can hold personal data
/// (a form being filled, the status check, the admin panel). Made with ImageMagick; see
/// `kiosk/assets/README.md`.
pub const PRIVACY_PLACEHOLDER: &[u8] = include_bytes!("../assets/privacy-placeholder.png");

fn done(text: impl Into<String>) -> CommandReport {
    CommandReport {
        ok: true,
        text: text.into(),
    }
}

fn failed(text: impl Into<String>) -> CommandReport {
    CommandReport {
        ok: false,
        text: text.into(),
    }
}

/// `text` cut to the report limit, keeping its end (the newest log lines).
fn tail(text: &str) -> String {
    if text.len() <= MAX_REPORT_BYTES {
        return text.to_owned();
    }
    let mut from = text.len() - MAX_REPORT_BYTES + 4;
    while !text.is_char_boundary(from) {
        from += 1;
    }
    format!("…\n{}", &text[from..])
}

/// The `kiosk doctor` report as text: per check, its mark and the Chinese line, then the English
/// line beneath it.
pub fn doctor_text(checks: &[crate::admin::Check]) -> String {
    checks
        .iter()
        .map(|c| {
            format!(
                "{} {}\n    {}",
                if c.ok {
                    "[正常 ok]"
                } else {
                    "[问题 PROBLEM]"
                },
                c.zh,
                c.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Carries out `command` and answers it. Failures to answer are logged: the server resends an
/// unanswered command when the stream reconnects, until it expires.
pub async fn handle(engine: &Engine, command: KioskCommand) {
    tracing::info!(
        command = command.id,
        kind = command.kind.as_str(),
        "command from the console"
    );
    let report = match command.kind {
        CommandKind::Screenshot => match engine.request_screenshot(command.id) {
            // The app answers it.
            true => return,
            false => failed(
                "这台终端没有打开屏幕程序（只在同步），无法截图。 / The app's screen is not running (sync only): no screenshot.",
            ),
        },
        CommandKind::SyncNow => match engine.sync_now().await {
            Ok(s) => done(format!(
                "synced: {} submissions delivered, {} pages, {} updated, {} removed{}, {} images fetched, {} images failed",
                s.delivered,
                s.pages,
                s.upserts,
                s.deletes,
                if s.resynced { " (full resync)" } else { "" },
                s.media_fetched,
                s.media_failed
            )),
            Err(e) => failed(format!("sync failed: {e}")),
        },
        CommandKind::Doctor => done(tail(&doctor_text(
            &crate::admin::doctor(engine.store()).await,
        ))),
        CommandKind::Logs => done(tail(&crate::logs::recent().join("\n"))),
        CommandKind::Restart => {
            let report = done(format!(
                "restarting (process {}, {})",
                std::process::id(),
                if under_service_manager() {
                    "the service manager starts it again"
                } else {
                    "it starts itself again"
                }
            ));
            match engine.client().command_report(command.id, &report).await {
                Ok(()) => restart(),
                Err(e) => {
                    tracing::warn!(command = command.id, error = %e, "restart not acknowledged; not restarting");
                    return;
                }
            }
        }
    };
    if let Err(e) = engine.client().command_report(command.id, &report).await {
        tracing::warn!(command = command.id, error = %e, "command answer not delivered");
    }
}

/// Whether a service manager started this process (systemd sets `INVOCATION_ID` for a
/// service's processes, and `NOTIFY_SOCKET` for a `Type=notify` one; both are inherited
/// through `cage`).
fn under_service_manager() -> bool {
    std::env::var_os("INVOCATION_ID").is_some() || std::env::var_os("NOTIFY_SOCKET").is_some()
}

/// Restarts the kiosk now: exits for the service manager to start it again, or, with none,
/// replaces this process with a fresh run of the same program and arguments.
pub fn restart() -> ! {
    use std::os::unix::process::CommandExt;
    if under_service_manager() {
        tracing::info!("restarting at the console's request: exiting for the service manager");
        std::process::exit(0);
    }
    tracing::info!("restarting at the console's request: starting afresh");
    let error = match std::env::current_exe() {
        Ok(exe) => std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .exec(),
        Err(e) => e,
    };
    tracing::error!(error = %error, "cannot start afresh; exiting");
    std::process::exit(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_reports_keep_their_end() {
        let text = "日志".repeat(MAX_REPORT_BYTES);
        let cut = tail(&text);
        assert!(cut.len() <= MAX_REPORT_BYTES);
        assert!(cut.ends_with("日志"));
        assert_eq!(tail("short"), "short");
    }

    #[test]
    fn the_placeholder_is_a_png() {
        let img = image::load_from_memory_with_format(PRIVACY_PLACEHOLDER, image::ImageFormat::Png)
            .expect("the placeholder decodes");
        assert!(img.width() >= 640 && img.height() >= 360);
    }
}
