//! `kiosk`: branch IT commands. Today: `kiosk check <enrollment-string>` verifies that the server
//! in an enrollment string is reachable and presents the pinned certificate, without using the
//! one-time token. The touchscreen app and `enroll`/`sync`/`doctor` come with the kiosk issues.

use clap::{Parser, Subcommand};
use kiosk::net::ServerClient;
use protocol::EnrollmentString;

#[derive(Parser)]
#[command(name = "kiosk", version, about = "Union Kiosk lobby touchscreen")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check that the server named in an enrollment string answers with the pinned certificate.
    Check { enrollment_string: String },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let Command::Check { enrollment_string } = cli.command;
    let result = async {
        let e: EnrollmentString = enrollment_string.parse()?;
        ServerClient::new(e.server.clone(), e.fingerprint)?
            .health()
            .await?;
        anyhow::Ok(e)
    }
    .await;
    match result {
        Ok(e) => {
            println!(
                "ok: {} answers with the pinned certificate {}",
                e.server, e.fingerprint
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
