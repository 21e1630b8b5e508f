//! `kiosk`: branch IT commands. `enroll`, `sync`, `doctor`, `check`; the touchscreen app comes
//! with the kiosk app issue.

use anyhow::Context;
use clap::{Parser, Subcommand};
use kiosk::config::KioskConfig;
use kiosk::net::ServerClient;
use kiosk::store::Store;
use kiosk::sync::Engine;
use protocol::EnrollmentString;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

#[derive(Parser)]
#[command(name = "kiosk", version, about = "Union Kiosk lobby touchscreen")]
struct Cli {
    /// TOML config file (see config/kiosk.example.toml).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Where the cache and credentials live (overrides the config).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Enroll this kiosk with the enrollment string (or QR code text) from the union office.
    Enroll { enrollment_string: String },
    /// Sync with the server: once (--once), or keep in step until Ctrl-C.
    Sync {
        #[arg(long)]
        once: bool,
    },
    /// Check enrollment, the server, the last sync and the cache; exits non-zero on a problem.
    Doctor,
    /// Check that the server in an enrollment string answers with the pinned certificate,
    /// without using the string's one-time token.
    Check { enrollment_string: String },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let mut config = KioskConfig::load(cli.config.as_deref())?;
    if let Some(dir) = cli.data_dir {
        config.data_dir = Some(dir);
    }
    let open = || -> anyhow::Result<Store> { Ok(Store::open(&config.data_dir()?)?) };
    match cli.command {
        Command::Check { enrollment_string } => {
            let e: EnrollmentString = enrollment_string.parse()?;
            ServerClient::new(e.server.clone(), e.fingerprint)?
                .health()
                .await?;
            println!(
                "ok: {} answers with the pinned certificate {}",
                e.server, e.fingerprint
            );
        }
        Command::Enroll { enrollment_string } => {
            let mut store = open()?;
            let e = kiosk::admin::enroll(&mut store, &enrollment_string, &config.name).await?;
            println!(
                "enrolled as kiosk {} at {}",
                e.kiosk_id,
                e.org.path.join(" / ")
            );
            println!("next: `kiosk sync --once` to fill the cache");
        }
        Command::Sync { once } => {
            let store = Arc::new(Mutex::new(open()?));
            let engine = Engine::new(store, config.sync())?;
            if once {
                let s = engine
                    .sync_now()
                    .await
                    .context("sync failed; the cache is unchanged")?;
                println!(
                    "synced: {} submissions delivered, {} pages, {} updated, {} removed{}, {} images fetched{}",
                    s.delivered,
                    s.pages,
                    s.upserts,
                    s.deletes,
                    if s.resynced { " (full resync)" } else { "" },
                    s.media_fetched,
                    if s.media_failed > 0 {
                        format!(", {} images failed (retried next time)", s.media_failed)
                    } else {
                        String::new()
                    }
                );
            } else {
                let (stop, stopped) = tokio::sync::watch::channel(false);
                tokio::spawn(async move {
                    let _ = tokio::signal::ctrl_c().await;
                    let _ = stop.send(true);
                });
                engine.run(stopped).await;
            }
        }
        Command::Doctor => {
            let store = Mutex::new(open()?);
            let checks = kiosk::admin::doctor(&store).await;
            for c in &checks {
                println!(
                    "{} {}",
                    if c.ok { "ok:     " } else { "PROBLEM:" },
                    c.message
                );
            }
            if checks.iter().any(|c| !c.ok) {
                return Ok(std::process::ExitCode::FAILURE);
            }
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}
