//! The command line: `serve`, and the operator's bootstrap and content commands, which act on
//! the database directly with full authority (the operator owns the server).

use crate::app::{Application, shutdown_signal};
use crate::config::Config;
use crate::content::{self, ListQuery, Upserted};
use crate::demo;
use crate::import::{catalog, news};
use crate::orgs::{self, Actor};
use crate::state::AppState;
use crate::workflow::retention;
use crate::{kiosks, media, staff};
use anyhow::Context;
use clap::{Parser, Subcommand};
use protocol::staff::{ContentWrite, NewEnrollmentToken, NewStaff};
use protocol::{ContentId, ContentKind, KioskId, OrgId};
use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;

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
    /// Import a library catalogue CSV (UTF-8 or GBK/GB18030); columns in docs/publishing.md.
    ImportCatalog {
        file: PathBuf,
        #[arg(long)]
        org: i64,
        /// utf-8, gbk or gb18030; detected when not given.
        #[arg(long)]
        encoding: Option<String>,
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
    },
    List,
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
                let dir = config.data_dir()?;
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
        let (state, _identity, _shutdown) = AppState::open(config, listen)?;
        run_operator(&state, self.command).await
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let app = Application::build(config).await?;
    let stop = shutdown_signal()?;
    announce(&app);
    app.run_until(stop).await
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

/// A terminal progress bar with rate, drawn on stderr (hidden when stderr is not a terminal).
struct ProgressBar(indicatif::ProgressBar);

impl ProgressBar {
    fn new(what: &str) -> ProgressBar {
        let bar = indicatif::ProgressBar::new(0);
        let style = indicatif::ProgressStyle::with_template(
            "{msg} {bar:40} {pos}/{len} rows, {per_sec}, {eta} left",
        )
        .expect("the template is valid");
        bar.set_style(style);
        bar.set_message(what.to_owned());
        ProgressBar(bar)
    }
}

impl catalog::Progress for ProgressBar {
    fn start(&self, total_rows: u64) {
        self.0.reset();
        self.0.set_length(total_rows);
    }

    fn advance(&self, rows: u64) {
        self.0.inc(rows);
    }

    fn finish(&self) {
        self.0.finish();
    }
}

async fn run_operator(state: &AppState, command: Command) -> anyhow::Result<()> {
    let op = Actor::Operator;
    match command {
        Command::Serve { .. } => unreachable!("handled by Cli::run"),
        Command::Init {
            org,
            admin,
            display_name,
            password,
        } => {
            let new = NewStaff {
                username: admin,
                password: read_password(password)?,
                display_name,
                org_id: OrgId(0),
            };
            let info = staff::bootstrap(state, org, new).await?;
            println!(
                "created root org {} and administrator '{}'",
                info.org_id, info.username
            );
        }
        Command::Org(OrgCommand::Add { parent, name }) => {
            let org = orgs::create(state, op, OrgId(parent), name).await?;
            print_json(&org)?;
        }
        Command::Org(OrgCommand::List) => {
            for org in orgs::list(state, op).await? {
                println!(
                    "{:>5}  {}{}",
                    org.id,
                    "  ".repeat(org.depth as usize),
                    org.name
                );
            }
        }
        Command::User(UserCommand::Add {
            username,
            org,
            display_name,
            password,
        }) => {
            let new = NewStaff {
                username,
                password: read_password(password)?,
                display_name,
                org_id: OrgId(org),
            };
            print_json(&staff::create(state, op, new).await?)?;
        }
        Command::User(UserCommand::List) => print_json(&staff::list(state, op).await?)?,
        Command::Content(cmd) => run_content(state, cmd).await?,
        Command::MediaAdd { file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let stored = media::store_upload(state, bytes).await?;
            print_json(&stored)?;
        }
        Command::EnrollToken { org, valid_minutes } => {
            let req = NewEnrollmentToken {
                org_id: OrgId(org),
                valid_minutes,
            };
            let created = kiosks::create_token(state, op, req).await?;
            let qr = qrcode::QrCode::new(created.enrollment_string.as_bytes())
                .context("the enrollment string does not fit in a QR code")?
                .render::<qrcode::render::unicode::Dense1x2>()
                .quiet_zone(true)
                .build();
            println!("{qr}");
            println!("{}", created.enrollment_string);
            println!(
                "valid until {}; it can enroll one kiosk.",
                created.expires_at
            );
        }
        Command::Kiosk(KioskCommand::List) => print_json(&kiosks::list(state, op).await?)?,
        Command::Kiosk(KioskCommand::Revoke { id }) => {
            kiosks::revoke(state, op, KioskId(id)).await?;
            println!("revoked");
        }
        Command::Kiosk(KioskCommand::Move { id, org }) => {
            kiosks::move_to(state, op, KioskId(id), OrgId(org)).await?;
            println!("moved");
        }
        Command::Fingerprint => println!("{}", state.fingerprint),
        Command::Retention { dry_run } => {
            let run = if dry_run {
                retention::Run::DryRun
            } else {
                retention::Run::Erase
            };
            let report = retention::run(state, crate::db::now_ms(), run).await?;
            let verb = match run {
                retention::Run::DryRun => "would erase",
                retention::Run::Erase => "erased",
            };
            println!(
                "{verb} the answers of {} cases closed before {}",
                report.receipts.len(),
                crate::db::to_ts(report.closed_before)
            );
            for receipt in &report.receipts {
                println!("{receipt}");
            }
        }
        Command::PublishNews { file, org } => {
            let (outcome, id) = news::publish(state, op, &file, org.map(OrgId)).await?;
            println!(
                "{id}: {}",
                match outcome {
                    Upserted::Created => "published",
                    Upserted::Updated => "updated",
                    Upserted::Unchanged => "unchanged",
                }
            );
        }
        Command::ImportCatalog {
            file,
            org,
            encoding,
            skip_invalid,
            replace,
            covers,
        } => {
            let encoding = match encoding {
                None => None,
                Some(label) => Some(
                    encoding_rs::Encoding::for_label(label.as_bytes()).with_context(|| {
                        format!("unknown encoding '{label}' (use utf-8, gbk or gb18030)")
                    })?,
                ),
            };
            let options = catalog::Options {
                org: OrgId(org),
                encoding,
                skip_invalid,
                replace,
                covers,
            };
            let report =
                catalog::import(state, op, &file, options, &ProgressBar::new("importing")).await?;
            print_import_report(&report)?;
        }
        Command::GenCatalog { .. } => unreachable!("handled by Cli::run"),
        Command::Demo { .. } => unreachable!("handled by Cli::run"),
        Command::Tls(_) => unreachable!("handled by Cli::run"),
    }
    Ok(())
}

fn print_import_report(report: &catalog::Report) -> anyhow::Result<()> {
    for e in &report.errors {
        eprintln!("第 {} 行：{}", e.line, e.message);
    }
    if report.invalid_rows as usize > report.errors.len() {
        eprintln!(
            "……另有 {} 行有误未列出",
            report.invalid_rows as usize - report.errors.len()
        );
    }
    for w in &report.warnings {
        eprintln!("第 {} 行（已导入）：{}", w.line, w.message);
    }
    if !report.imported {
        anyhow::bail!(
            "{} of {} rows are invalid, so nothing was imported (fix them, or pass --skip-invalid)",
            report.invalid_rows,
            report.rows
        );
    }
    println!(
        "{} rows ({}): {} new, {} updated, {} unchanged, {} invalid skipped, {} unpublished",
        report.rows,
        report.encoding,
        report.created,
        report.updated,
        report.unchanged,
        report.invalid_rows,
        report.unpublished
    );
    Ok(())
}

async fn run_content(state: &AppState, cmd: ContentCommand) -> anyhow::Result<()> {
    let op = Actor::Operator;
    match cmd {
        ContentCommand::Put { file, id } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let write: ContentWrite = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a valid content item", file.display()))?;
            let record = match id {
                Some(id) => content::replace(state, op, ContentId(id), write).await?,
                None => content::create(state, op, write).await?,
            };
            print_json(&record)?;
        }
        ContentCommand::List { kind, org } => {
            let q = ListQuery {
                kind,
                org_id: org.map(OrgId),
                limit: Some(1000),
                offset: None,
            };
            for r in content::list(state, op, q).await? {
                println!(
                    "{}  {:<13} org {:<4} v{:<3} {:?}{}",
                    r.item.id,
                    r.item.body.kind(),
                    r.item.org_id,
                    r.item.version,
                    r.state,
                    if r.live { " (live)" } else { "" }
                );
            }
        }
        ContentCommand::Publish { id } => {
            print_json(&content::publish(state, op, ContentId(id)).await?)?
        }
        ContentCommand::Unpublish { id } => {
            print_json(&content::unpublish(state, op, ContentId(id)).await?)?
        }
        ContentCommand::Delete { id } => {
            content::delete(state, op, ContentId(id)).await?;
            println!("deleted");
        }
    }
    Ok(())
}
