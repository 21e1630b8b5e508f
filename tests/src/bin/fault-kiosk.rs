//! A kiosk without a screen, for the fault harness (`tests::fault`): the kiosk library's own
//! enrollment, `Core` and sync engine (what the touchscreen app runs under its UI), in a process
//! of its own that the harness kills with SIGKILL at random moments.
//!
//! - `fault-kiosk DIR enroll STRING` enrolls the store in DIR.
//! - `fault-kiosk DIR run` opens the core, starts syncing (as the app does) and reads one JSON
//!   request per line on stdin: `{"tag": …, "form": …, "version": …, "answers": {…}}`. Each is
//!   saved through `Core::submit`; the line `{"tag": …, "id": …, "receipt": …}` on stdout is the
//!   receipt shown to the employee, written only once `submit` has returned it. A failure is
//!   `{"tag": …, "error": …}` (the employee is told it was not saved).

use kiosk::core::Core;
use kiosk::sync::SyncConfig;
use protocol::ContentId;
use protocol::submission::FormAnswers;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Deserialize)]
struct Request {
    tag: String,
    form: ContentId,
    version: u32,
    answers: FormAnswers,
}

#[derive(Serialize)]
struct Reply {
    tag: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    receipt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// As a kiosk's config can set them: the harness's faults come every second or so, so waits
/// are capped at a few seconds instead of five minutes.
fn config() -> SyncConfig {
    SyncConfig {
        poll_interval: Duration::from_secs(3),
        max_backoff: Duration::from_secs(3),
        ..SyncConfig::default()
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (dir, command) = match args.as_slice() {
        [_, dir, command, rest @ ..] => (PathBuf::from(dir), (command.as_str(), rest)),
        _ => anyhow::bail!("usage: fault-kiosk DIR enroll STRING | fault-kiosk DIR run"),
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        match command {
            ("enroll", [string]) => {
                let mut store = kiosk::store::Store::open(&dir)?;
                kiosk::admin::enroll(&mut store, string, "fault").await?;
                println!("enrolled");
                Ok(())
            }
            ("run", []) => run(dir).await,
            _ => anyhow::bail!("unknown command"),
        }
    })
}

async fn run(dir: PathBuf) -> anyhow::Result<()> {
    let core = Core::open(&dir, config())?;
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let _engine = core.start(stopped);
    let (send, mut lines) = tokio::sync::mpsc::channel::<String>(64);
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { break };
            if send.blocking_send(line).is_err() {
                break;
            }
        }
    });
    say(&serde_json::json!({ "ready": true }));
    while let Some(line) = lines.recv().await {
        let request: Request = serde_json::from_str(&line)?;
        let reply = match core
            .submit(request.form, request.version, request.answers)
            .await
        {
            Ok(saved) => Reply {
                tag: request.tag,
                id: Some(saved.id),
                receipt: Some(saved.receipt),
                error: None,
            },
            Err(e) => Reply {
                tag: request.tag,
                id: None,
                receipt: None,
                error: Some(e.to_string()),
            },
        };
        say(&reply);
    }
    Ok(())
}

fn say(value: &impl Serialize) {
    let mut out = std::io::stdout().lock();
    let line = serde_json::to_string(value).expect("replies serialize");
    // A harness that went away leaves nobody to tell.
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}
