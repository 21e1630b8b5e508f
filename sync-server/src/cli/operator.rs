//! The operator's commands that act on the database directly: orgs, users, content, media,
//! enrollment tokens, kiosks, imports, retention; and the import progress bar.

use super::{
    Command, ContentCommand, KioskCommand, OrgCommand, UserCommand, print_json, read_password,
};
use crate::content::{self, ListQuery, Upserted};
use crate::import::{catalog, news};
use crate::orgs::{self, Actor};
use crate::state::AppState;
use crate::workflow::retention;
use crate::{kiosks, media, staff};
use anyhow::Context;
use protocol::staff::{ContentWrite, NewEnrollmentToken, NewStaff};
use protocol::{ContentId, KioskId, OrgId};

/// A terminal progress bar with rate, drawn on stderr (hidden when stderr is not a terminal).
pub(super) struct ProgressBar(indicatif::ProgressBar);

impl ProgressBar {
    pub(super) fn new(what: &str) -> ProgressBar {
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

pub(super) async fn run_operator(state: &AppState, command: Command) -> anyhow::Result<()> {
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
                roles: None,
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
            roles,
        }) => {
            let new = NewStaff {
                username,
                password: read_password(password)?,
                display_name,
                org_id: OrgId(org),
                roles: (!roles.is_empty()).then_some(roles),
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
            sheet,
            clc,
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
                sheet,
                clc,
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
        Command::Migrate { .. } => unreachable!("handled by Cli::run"),
    }
    Ok(())
}

fn print_import_report(report: &catalog::Report) -> anyhow::Result<()> {
    for e in &report.errors {
        eprintln!("{}：{}", report.place(e.line), e.message);
    }
    if report.invalid_rows as usize > report.errors.len() {
        eprintln!(
            "……另有 {} 项有误未列出",
            report.invalid_rows as usize - report.errors.len()
        );
    }
    for w in &report.warnings {
        eprintln!("{}：{}", report.place(w.line), w.message);
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
        report.format.describe(),
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
