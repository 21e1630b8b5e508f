//! `kiosk`: the touchscreen app (`kiosk` or `kiosk run`) and branch IT commands (`enroll`,
//! `sync`, `doctor`, `check`, `hash-pin`).

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
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Open the touchscreen app (the default): fullscreen, or in a window with --windowed.
    Run {
        /// Open a normal window of this size instead of fullscreen, e.g. 1920x1080 or 1080x1920.
        #[arg(long, value_name = "WxH", value_parser = parse_size)]
        windowed: Option<(u32, u32)>,
    },
    /// Print the argon2 hash of an admin panel PIN, for `admin_pin_hash` in the config.
    HashPin {
        /// Six to twelve digits.
        pin: String,
    },
    /// Enroll this kiosk with the enrollment string (or QR code text) from the union office.
    Enroll { enrollment_string: String },
    /// Sync with the server: once (--once), or keep in step until Ctrl-C.
    Sync {
        #[arg(long)]
        once: bool,
    },
    /// Check enrollment, the server, the last sync and the cache; exits non-zero on a problem.
    Doctor,
    /// Check that the server in an enrollment string answers with the pinned key,
    /// without using the string's one-time token.
    Check { enrollment_string: String },
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("expected WIDTHxHEIGHT, e.g. 1920x1080, not {s:?}"))?;
    let parse = |v: &str| {
        v.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (200..=10_000).contains(n))
            .ok_or_else(|| format!("{v:?} is not a window size in pixels"))
    };
    Ok((parse(w)?, parse(h)?))
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    {
        use tracing_subscriber::layer::SubscriberExt;
        use tracing_subscriber::util::SubscriberInitExt;
        use tracing_subscriber::{EnvFilter, Layer, filter::LevelFilter};
        // Standard error gets what RUST_LOG asks for (warnings by default); the ring the
        // console reads ("recent log lines", `kiosk::logs`) keeps the kiosk's own info lines
        // and everyone's warnings.
        // Colour codes only for a person at a terminal, not in journald.
        let stderr = tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_filter(
                EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
            );
        let ring = kiosk::logs::layer().with_filter(
            tracing_subscriber::filter::Targets::new()
                .with_default(LevelFilter::WARN)
                .with_target("kiosk", LevelFilter::INFO),
        );
        tracing_subscriber::registry()
            .with(stderr)
            .with(ring)
            .init();
    }
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        process = std::process::id(),
        "kiosk started"
    );
    let command = cli.command.unwrap_or(Command::Run { windowed: None });
    match command {
        Command::Run { windowed } => {
            return match run_app(cli.config, cli.data_dir, windowed) {
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    std::process::ExitCode::FAILURE
                }
            };
        }
        Command::HashPin { pin } => {
            return match kiosk::admin::pin::hash(&pin) {
                Ok(hash) => {
                    println!("admin_pin_hash = \"{hash}\"");
                    std::process::ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    std::process::ExitCode::FAILURE
                }
            };
        }
        _ => {}
    }
    let cli = Cli {
        command: Some(command),
        ..cli
    };
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

fn run_app(
    config: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    windowed: Option<(u32, u32)>,
) -> anyhow::Result<()> {
    let mut config = KioskConfig::load(config.as_deref())?;
    if let Some(dir) = data_dir {
        config.data_dir = Some(dir);
    }
    let dir = config.data_dir()?;
    let boot = match kiosk::core::Core::open(&dir, config.sync()) {
        Ok(core) => kiosk::ui::Boot::Enrolled(core),
        // Not enrolled: the app opens its provisioning screen.
        Err(kiosk::sync::SyncError::NotEnrolled) => kiosk::ui::Boot::Unenrolled {
            dir,
            sync: config.sync(),
            name: config.name.clone(),
        },
        Err(e) => return Err(e.into()),
    };
    let display = match windowed {
        Some((w, h)) => kiosk::ui::Display::Windowed(iced::Size::new(w as f32, h as f32)),
        None => kiosk::ui::Display::Fullscreen,
    };
    kiosk::ui::run(boot, &config, display).context("the touchscreen app stopped")
}

async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let mut config = KioskConfig::load(cli.config.as_deref())?;
    if let Some(dir) = cli.data_dir {
        config.data_dir = Some(dir);
    }
    let open = || -> anyhow::Result<Store> { Ok(Store::open(&config.data_dir()?)?) };
    match cli.command.expect("set by main") {
        Command::Run { .. } | Command::HashPin { .. } => unreachable!("handled before the runtime"),
        Command::Check { enrollment_string } => {
            let e: EnrollmentString = enrollment_string.parse()?;
            ServerClient::new(e.server.clone(), e.fingerprint)?
                .health()
                .await?;
            println!(
                "ok: {} answers with the pinned key {}",
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
            println!("{}", kiosk::remote::doctor_text(&checks));
            if checks.iter().any(|c| !c.ok) {
                return Ok(std::process::ExitCode::FAILURE);
            }
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}
