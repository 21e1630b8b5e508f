//! The command line: `serve`, and the operator's bootstrap and content commands, which act on
//! the database directly with full authority (the operator owns the server).

use crate::app::{Application, shutdown_signal};
use crate::config::Config;
use crate::demo;
use crate::kiosks;
use crate::orgs::Actor;
use crate::secrets::KeyUse;
use crate::state::AppState;
use crate::watchdog;
use anyhow::Context;
use clap::{Parser, Subcommand};
use protocol::ContentKind;
use protocol::staff::NewEnrollmentToken;
use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;

mod migrate;
mod operator;
use operator::{ProgressBar, run_operator};

#[derive(Debug, Parser)]
#[command(name = "sync-server", version, about = "Union Kiosk central server")]
pub struct Cli {
    /// TOML config file (see config/sync-server.example.toml).
    #[arg(long, global = true, env = "SYNC_SERVER_CONFIG")]
    config: Option<PathBuf>,
    /// Where the database, media and certificate live (overrides the config).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve HTTPS until SIGTERM or Ctrl-C.
    Serve {
        /// Address to listen on (overrides the config).
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// Create the root org and its first administrator on a new server.
    Init {
        /// Name of the root org, e.g. "某某省分行工会".
        #[arg(long)]
        org: String,
        /// Administrator username.
        #[arg(long)]
        admin: String,
        #[arg(long, default_value = "")]
        display_name: String,
        /// Password; read from standard input when not given.
        #[arg(long, env = "SYNC_SERVER_ADMIN_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Org units.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Content items (JSON as in docs/protocol.md, "ContentWrite").
    #[command(subcommand)]
    Content(ContentCommand),
    /// Upload an image; prints its display and thumbnail hashes.
    MediaAdd { file: PathBuf },
    /// Create a one-time enrollment string (and QR code) for a kiosk at an org.
    EnrollToken {
        #[arg(long)]
        org: i64,
        #[arg(long)]
        valid_minutes: Option<u32>,
    },
    /// The kiosk fleet.
    #[command(subcommand)]
    Kiosk(KioskCommand),
    /// Erase the answers of cases closed longer ago than `retention.answers_days_after_closed`
    /// (the running server does this itself every `retention.check_every_hours`).
    Retention {
        /// Say what would be erased, and erase nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Print the server key's pin (SHA-256 of its public key), as enrollment strings carry it.
    Fingerprint,
    /// Rotate the generated TLS key without enrolling the kiosks again.
    #[command(subcommand)]
    Tls(TlsCommand),
    /// Publish a Markdown article with +++ TOML front matter; publishing it again updates it.
    PublishNews {
        file: PathBuf,
        /// Org id to publish at (overrides the front matter's `org`).
        #[arg(long)]
        org: Option<i64>,
    },
    /// Import a library catalogue: CSV (UTF-8 or GBK/GB18030), Excel (.xlsx/.xls) or ISO 2709
    /// MARC (CNMARC or MARC 21), told from the file's contents; see docs/publishing.md.
    ImportCatalog {
        file: PathBuf,
        #[arg(long)]
        org: i64,
        /// A CSV file's encoding: utf-8, gbk or gb18030; detected when not given.
        #[arg(long)]
        encoding: Option<String>,
        /// The Excel sheet to read; the first when not given.
        #[arg(long)]
        sheet: Option<String>,
        /// A table of Chinese Library Classification classes to categories (CLASS<TAB>category
        /// lines) that adds to or replaces the shipped one.
        #[arg(long)]
        clc: Option<PathBuf>,
        /// Import the valid rows even when some rows are invalid.
        #[arg(long)]
        skip_invalid: bool,
        /// Unpublish this org's catalogue items that the file does not list.
        #[arg(long)]
        replace: bool,
        /// Folder of cover images named <ISBN>.jpg/.png (or as the cover_file column says).
        #[arg(long)]
        covers: Option<PathBuf>,
    },
    /// Write a generated catalogue CSV (deterministic for a seed), for demos and benchmarks.
    GenCatalog {
        out: PathBuf,
        #[arg(long, default_value_t = 60_000)]
        count: u64,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Copy the data dir's database into an empty PostgreSQL database (stop the server first):
    /// every row, id and feed seq, then a count and checksum check (docs/scale-out.md).
    Migrate {
        /// The PostgreSQL database: postgres://user@host[:port]/dbname. Its password from the
        /// environment variable PGPASSWORD (a password in the URL would show in `ps`).
        #[arg(long)]
        to: String,
    },
    /// Load the demo pack and a generated catalogue into the data dir, then serve.
    Demo {
        #[arg(long)]
        listen: Option<SocketAddr>,
        #[arg(long, default_value_t = 60_000)]
        catalog_size: u64,
        /// Load the demo and exit without serving.
        #[arg(long)]
        no_serve: bool,
    },
}

#[derive(Debug, Subcommand)]
enum OrgCommand {
    Add {
        #[arg(long)]
        parent: i64,
        #[arg(long)]
        name: String,
    },
    List,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        org: i64,
        #[arg(long, default_value = "")]
        display_name: String,
        /// Password; read from standard input when not given.
        #[arg(long, env = "SYNC_SERVER_USER_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// A role (admin, publisher, case_handler, viewer); repeat for several. None given: all.
        #[arg(long = "role", value_parser = parse_role)]
        roles: Vec<protocol::staff::Role>,
    },
    List,
}

fn parse_role(s: &str) -> Result<protocol::staff::Role, String> {
    protocol::staff::Role::ALL
        .into_iter()
        .find(|r| r.as_str() == s)
        .ok_or_else(|| format!("'{s}' is not a role: admin, publisher, case_handler or viewer"))
}

#[derive(Debug, Subcommand)]
enum ContentCommand {
    /// Create an item from a JSON file, or replace item `--id`.
    Put {
        file: PathBuf,
        #[arg(long)]
        id: Option<String>,
    },
    List {
        #[arg(long)]
        kind: Option<ContentKind>,
        #[arg(long)]
        org: Option<i64>,
    },
    Publish {
        id: String,
    },
    Unpublish {
        id: String,
    },
    Delete {
        id: String,
    },
}

#[derive(Debug, Subcommand)]
enum TlsCommand {
    /// Make the next key and certificate (tls/next-*.pem); the running server announces the
    /// new key to kiosks after a restart. Finish once every kiosk has synced since.
    PrepareRotation,
    /// Make the prepared next key the current one (the old pair is kept as tls/previous-*.pem);
    /// restart the server afterwards.
    FinishRotation,
}

#[derive(Debug, Subcommand)]
enum KioskCommand {
    List,
    Revoke {
        id: String,
    },
    Move {
        id: String,
        #[arg(long)]
        org: i64,
    },
}

pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, not in journald.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

fn read_password(given: Option<String>) -> anyhow::Result<String> {
    if let Some(p) = given {
        return Ok(p);
    }
    eprintln!("password (one line on standard input):");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

impl Cli {
    pub async fn run(self) -> anyhow::Result<()> {
        let mut config = Config::load(self.config.as_deref())?;
        if let Some(dir) = self.data_dir {
            config.data_dir = Some(dir);
        }
        match self.command {
            Command::Serve { listen } => {
                if let Some(addr) = listen {
                    config.listen = addr;
                }
                return serve(config).await;
            }
            Command::Demo {
                listen,
                catalog_size,
                no_serve,
            } => {
                if let Some(addr) = listen {
                    config.listen = addr;
                }
                let stop = shutdown_signal()?;
                let app = load_demo(config, catalog_size).await?;
                if no_serve {
                    return Ok(());
                }
                announce(&app);
                return app.run_until(stop).await;
            }
            Command::Tls(command) => {
                let dir = config.keys_dir()?;
                if config.tls.cert.is_some() || config.tls.next_cert.is_some() {
                    anyhow::bail!(
                        "this server uses configured certificates: rotate by setting tls.next_cert and tls.next_key, restarting, and once every kiosk has synced, moving them to tls.cert and tls.key"
                    );
                }
                match command {
                    TlsCommand::PrepareRotation => {
                        let pin = crate::tls::prepare_rotation(&dir, &config.tls.extra_names)?;
                        println!("next key pin: {pin}");
                        println!(
                            "restart the server so kiosks learn it; run `sync-server tls finish-rotation` once every kiosk has synced since"
                        );
                    }
                    TlsCommand::FinishRotation => {
                        let pin = crate::tls::finish_rotation(&dir)?;
                        println!("current key pin: {pin}");
                        println!("restart the server to serve with it");
                    }
                }
                return Ok(());
            }
            Command::Migrate { to } => {
                return migrate::run(&config.data_dir()?, &config.keys_dir()?, &to);
            }
            Command::GenCatalog { out, count, seed } => {
                let file = std::fs::File::create(&out)
                    .with_context(|| format!("cannot create {}", out.display()))?;
                demo::catalog_gen::write_csv(
                    std::io::BufWriter::new(file),
                    count,
                    seed,
                    &Default::default(),
                )?;
                println!("wrote {count} rows to {}", out.display());
                return Ok(());
            }
            _ => {}
        }
        let listen = config.listen;
        let keys = match self.command {
            Command::EnrollToken { .. } | Command::Fingerprint => KeyUse::Read,
            _ => KeyUse::None,
        };
        let (state, _identity, _shutdown) = AppState::open_for(config, listen, keys)?;
        run_operator(&state, self.command).await
    }
}

/// Serves; under systemd (`Type=notify`) it says when it is ready, keeps the watchdog fed
/// while the runtime and the database writer answer, and says when it is stopping.
async fn serve(config: Config) -> anyhow::Result<()> {
    let app = Application::build(config).await?;
    let stop = shutdown_signal()?;
    announce(&app);
    let heartbeat = tokio::spawn(watchdog::heartbeat(app.state().db.clone()));
    watchdog::ready();
    let served = app
        .run_until(async move {
            stop.await;
            watchdog::stopping();
        })
        .await;
    heartbeat.abort();
    served
}

fn announce(app: &Application) {
    println!("sync-server listening on https://{}", app.local_addr());
    println!("kiosks reach it at {}", app.public_url());
    println!("key pin (SHA-256 of its public key): {}", app.fingerprint());
    for next in app.state().tls_pins.iter().skip(1) {
        println!("next key pin, announced to kiosks: {next}");
    }
}

/// Builds the server and loads the demo into it; prints how to sign in and enroll a kiosk.
async fn load_demo(config: Config, catalog_size: u64) -> anyhow::Result<Application> {
    let app = Application::build(config).await?;
    let state = app.state().clone();
    let work = state.config.data_dir()?.join("demo");
    eprintln!("loading the demo pack and a {catalog_size}-item catalogue…");
    let loaded = demo::load(&state, &work, catalog_size, &ProgressBar::new("catalogue")).await?;
    let token = kiosks::create_token(
        &state,
        Actor::Operator,
        NewEnrollmentToken {
            org_id: loaded.branch,
            valid_minutes: None,
        },
    )
    .await?;
    println!(
        "demo loaded: {} articles, {} forms, {} catalogue items",
        loaded.news, loaded.forms, loaded.catalog_items
    );
    println!("staff login: {} / {}", demo::ADMIN, demo::PASSWORD);
    println!("staff console: {}console/", app.public_url());
    println!("staff API: {}v1/staff/", app.public_url());
    println!("enrollment string for a kiosk at {}:", loaded.branch_name);
    println!("{}", token.enrollment_string);
    Ok(app)
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::staff::Role;

    fn roles_of(args: &[&str]) -> Result<Vec<Role>, clap::Error> {
        let cli = Cli::try_parse_from(
            [
                "sync-server",
                "user",
                "add",
                "--username",
                "li",
                "--org",
                "2",
            ]
            .iter()
            .chain(args),
        )?;
        match cli.command {
            Command::User(UserCommand::Add { roles, .. }) => Ok(roles),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn user_add_takes_roles_by_their_wire_names_and_refuses_others() {
        assert_eq!(roles_of(&[]).expect("no role: all, later"), vec![]);
        assert_eq!(
            roles_of(&["--role", "publisher", "--role", "case_handler"]).expect("two roles"),
            vec![Role::Publisher, Role::CaseHandler]
        );
        let e = roles_of(&["--role", "root"]).expect_err("not a role");
        assert!(e.to_string().contains("not a role"), "{e}");
    }
}
