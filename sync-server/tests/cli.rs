//! The `sync-server` binary as an operator uses it: bootstrap, orgs, users, content, enrollment
//! strings, and `serve` stopping cleanly on SIGTERM.

#[path = "cli/watchdog.rs"]
mod watchdog;

use protocol::EnrollmentString;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn run(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sync-server"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(input);
    child.wait_with_output().expect("binary finishes")
}

fn ok(dir: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let out = run(dir, args, stdin);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{args:?} failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn operator_bootstraps_a_server_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let init = ok(
        d,
        &[
            "init",
            "--org",
            "测试省分行工会",
            "--admin",
            "admin",
            "--password",
            "a-long-password",
        ],
        None,
    );
    assert!(init.contains("administrator 'admin'"), "{init}");

    let again = run(
        d,
        &[
            "init",
            "--org",
            "另一个",
            "--admin",
            "admin2",
            "--password",
            "a-long-password",
        ],
        None,
    );
    assert!(!again.status.success(), "a second root is refused");
    assert!(String::from_utf8_lossy(&again.stderr).contains("顶级单位"));

    let org: serde_json::Value = serde_json::from_str(&ok(
        d,
        &["org", "add", "--parent", "1", "--name", "甲市分行工会"],
        None,
    ))
    .expect("json");
    assert_eq!(org["name"], "甲市分行工会");
    let city = org["id"].as_i64().expect("id").to_string();

    // The password comes from standard input when not given.
    let user: serde_json::Value = serde_json::from_str(&ok(
        d,
        &["user", "add", "--username", "clerk", "--org", &city],
        Some("another-long-password\n"),
    ))
    .expect("json");
    assert_eq!(
        user["org_id"].as_i64().map(|i| i.to_string()),
        Some(city.clone())
    );

    let item = d.join("item.json");
    std::fs::write(
        &item,
        format!(r#"{{"org_id": {city}, "body": {{"kind": "news", "title": "命令行发布", "body_markdown": "正文", "category": "policy"}}}}"#),
    )
    .expect("write item");
    let put: serde_json::Value = serde_json::from_str(&ok(
        d,
        &["content", "put", item.to_str().expect("utf-8 path")],
        None,
    ))
    .expect("json");
    assert_eq!(put["live"], true);
    let listed = ok(d, &["content", "list"], None);
    assert!(
        listed.contains("news") && listed.contains("(live)"),
        "{listed}"
    );

    let bad = d.join("bad.json");
    std::fs::write(&bad, r#"{"org_id": 1, "body": {"kind": "news"}}"#).expect("write bad");
    let refused = run(
        d,
        &["content", "put", bad.to_str().expect("utf-8 path")],
        None,
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not a valid content item"));

    let token = ok(d, &["enroll-token", "--org", &city], None);
    let line = token
        .lines()
        .find(|l| l.starts_with("unionkiosk://"))
        .expect("enrollment string printed");
    let parsed: EnrollmentString = line.parse().expect("enrollment string parses");
    let fingerprint = ok(d, &["fingerprint"], None);
    assert_eq!(parsed.fingerprint.to_string(), fingerprint.trim());
    assert!(
        token.contains('█') || token.contains('▀'),
        "a QR code is drawn"
    );
}

#[test]
fn serve_prints_its_fingerprint_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sync-server"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    // Read stdout on a thread, so a server that never prints the pin fails the test within a
    // bound instead of hanging it (the line's wording once changed and the test waited for ever).
    let stdout = child.stdout.take().expect("stdout");
    let (pin_line, pin) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // Keep reading to the end: a closed pipe would make the server's later prints fail.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(fp) = line.strip_prefix("key pin (SHA-256 of its public key): ") {
                let _ = pin_line.send(fp.to_owned());
            }
        }
    });
    let fingerprint = match pin.recv_timeout(Duration::from_secs(60)) {
        Ok(fp) => fp,
        outcome => {
            let _ = child.kill();
            panic!("serve did not print its key pin within 60 s ({outcome:?})");
        }
    };
    assert_eq!(fingerprint.len(), 64);
    assert!(
        dir.path().join("tls/cert.pem").exists(),
        "certificate kept in the data dir"
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let (done, exited) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(child.wait()));
    let exit = exited
        .recv_timeout(Duration::from_secs(20))
        .expect("server stops on SIGTERM within 20 s")
        .expect("wait succeeds");
    assert!(exit.success(), "clean shutdown exits 0, got {exit}");
}

/// `metrics_listen` from the environment: the binary logs where it serves the metrics, and
/// `/metrics` and `/readyz` answer there over plain HTTP.
#[test]
fn serve_answers_metrics_on_its_own_address() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sync-server"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("SYNC_SERVER_METRICS_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let stderr = child.stderr.take().expect("stderr");
    let (found, address) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("serving /metrics")
                && let Some(at) = line.split("address=").nth(1)
            {
                let _ = found.send(at.split_whitespace().next().unwrap_or("").to_owned());
            }
        }
    });
    let address = match address.recv_timeout(Duration::from_secs(60)) {
        Ok(a) => a,
        outcome => {
            let _ = child.kill();
            panic!("serve did not log its metrics address within 60 s ({outcome:?})");
        }
    };
    let get = |path: &str| {
        use std::io::Read;
        let mut tcp = std::net::TcpStream::connect(&address).expect("metrics listener");
        write!(
            tcp,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .expect("request");
        let mut answer = String::new();
        tcp.read_to_string(&mut answer).expect("answer");
        answer
    };
    let metrics = get("/metrics");
    let ready = get("/readyz");
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
    assert!(
        metrics.contains("union_sync_kiosks{health=\"online\"} 0"),
        "{metrics}"
    );
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    assert!(ready.contains("\"ready\""), "{ready}");
}

#[test]
fn retention_has_a_dry_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    ok(
        d,
        &[
            "init",
            "--org",
            "测试省分行工会",
            "--admin",
            "admin",
            "--password",
            "a-long-password",
        ],
        None,
    );
    let dry = ok(d, &["retention", "--dry-run"], None);
    assert!(
        dry.starts_with("would erase the answers of 0 cases"),
        "{dry}"
    );
    let run = ok(d, &["retention"], None);
    assert!(run.starts_with("erased the answers of 0 cases"), "{run}");
}
