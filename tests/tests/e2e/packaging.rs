//! The Debian packages (`cargo deb`, `[package.metadata.deb]` in sync-server's and kiosk's
//! Cargo.toml, scripts and units in `packaging/`), built from the binaries this test run already
//! has in `target/debug/` (`--no-build --profile dev`: cargo-deb maps `target/release/` in the
//! asset list to the profile's dir; no second, release build), then taken apart with dpkg:
//! the control fields, the file list with owners and modes, the conffiles, the files unpacked
//! into a scratch root (`dpkg -x`), the systemd units (read, and checked by `systemd-analyze
//! verify`), and the maintainer scripts run for install, upgrade, remove and purge.
//!
//! What runs for real and what does not: the scripts are the packaged ones, run by `/bin/sh`
//! with the arguments dpkg passes, but every command they call (`adduser`, `install`, `rm`,
//! `deb-systemd-invoke`, …) is a stub on `PATH` that records its arguments (and keeps a little
//! state, so `getent` finds a user `adduser` made): they never touch this machine's users or
//! /var/lib. This machine has no systemd as PID 1, so the test points the scripts' "is systemd
//! running" check (`[ -d /run/systemd/system ]`) at a directory of the scratch root, so that
//! the start, restart and stop branches run (against the stubs). Not exercised here: dpkg
//! itself installing the package (`dpkg -i`/`--root` would run the scripts on this machine or
//! need a whole system in a chroot), real users, and systemd starting the units.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The workspace root.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
        .to_path_buf()
}

/// `target/debug`, where this test executable's directory (`deps/`) is.
fn profile_dir() -> PathBuf {
    std::env::current_exe()
        .expect("the test executable's path")
        .parent()
        .and_then(Path::parent)
        .expect("the test executable is in target/<profile>/deps")
        .to_path_buf()
}

/// Runs `cmd` to the end, failing the test if it takes longer than `limit` (a cargo lock that
/// never frees would otherwise hang the suite).
fn run(mut cmd: Command, limit: Duration) -> Output {
    let shown = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {shown}: {e}"));
    let started = Instant::now();
    while child.try_wait().expect("wait on the child").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("{shown} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("its output")
}

fn ok(cmd: Command) -> String {
    let shown = format!("{cmd:?}");
    let out = run(cmd, Duration::from_secs(60));
    assert!(
        out.status.success(),
        "{shown} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn cmd(program: &str, args: &[&str]) -> Command {
    let mut c = Command::new(program);
    c.args(args);
    c
}

/// Builds the .deb of workspace package `package` into `out` from the built binary, returning
/// its path.
fn build_deb(package: &str, out: &Path) -> PathBuf {
    let binary = profile_dir().join(match package {
        "kiosk" => "kiosk",
        _ => "sync-server",
    });
    assert!(
        binary.exists(),
        "{} is missing: `cargo test --workspace` builds it (sync-server and kiosk have tests of their binaries)",
        binary.display()
    );
    let mut deb = Command::new("cargo-deb");
    deb.current_dir(workspace())
        .args(["-p", package, "--no-build", "--profile", "dev"])
        // Offline and locked: the build must not reach the network or change Cargo.lock.
        .args([
            "--no-strip",
            "--fast",
            "--quiet",
            "--offline",
            "--locked",
            "-o",
        ])
        .arg(out);
    let started = Instant::now();
    let built = run(deb, Duration::from_secs(180));
    assert!(
        built.status.success(),
        "cargo-deb -p {package} failed (scripts/test.sh installs cargo-deb 3.8.0): {}",
        String::from_utf8_lossy(&built.stderr)
    );
    eprintln!("cargo-deb -p {package}: {:?}", started.elapsed());
    let path = String::from_utf8_lossy(&built.stdout)
        .lines()
        .last()
        .map(PathBuf::from)
        .expect("cargo-deb prints the package's path");
    assert!(path.starts_with(out), "{}", path.display());
    path
}

/// One line of `dpkg-deb -c`: mode, owner, size and path (without the leading `.`).
struct Entry {
    mode: String,
    owner: String,
    size: u64,
    path: String,
}

fn contents(deb: &Path) -> Vec<Entry> {
    ok(cmd("dpkg-deb", &["-c", deb.to_str().expect("UTF-8 path")]))
        .lines()
        .map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            Entry {
                mode: f[0].to_owned(),
                owner: f[1].to_owned(),
                size: f[2].parse().expect("size"),
                path: f[5].trim_start_matches('.').to_owned(),
            }
        })
        .collect()
}

fn field(deb: &Path, name: &str) -> String {
    ok(cmd(
        "dpkg-deb",
        &["-f", deb.to_str().expect("UTF-8 path"), name],
    ))
    .trim()
    .to_owned()
}

/// `key=value` settings of a unit's section, in order (repeated keys kept).
fn unit_settings(unit: &str, section: &str) -> Vec<(String, String)> {
    let mut current = String::new();
    let mut found = Vec::new();
    for line in unit.lines().map(str::trim) {
        if line.starts_with('[') {
            current = line.trim_matches(['[', ']']).to_owned();
        } else if current == section
            && !line.starts_with('#')
            && let Some((k, v)) = line.split_once('=')
        {
            found.push((k.to_owned(), v.to_owned()));
        }
    }
    found
}

fn setting(unit: &str, section: &str, key: &str) -> String {
    let all: Vec<String> = unit_settings(unit, section)
        .into_iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v)
        .collect();
    assert_eq!(all.len(), 1, "{key}= once in [{section}]: {all:?}");
    all[0].clone()
}

/// `systemd-analyze verify` on `unit` as unpacked under `root`, its binaries pointed into the
/// root. The only complaint allowed is a program the package depends on but this machine lacks.
fn verify_unit(root: &Path, unit: &str, scratch: &Path) {
    let text = std::fs::read_to_string(root.join("usr/lib/systemd/system").join(unit))
        .expect("unit unpacked");
    let bin = root.join("usr/bin");
    let rewritten = text
        .replace(
            "/usr/bin/sync-server",
            &bin.join("sync-server").to_string_lossy(),
        )
        .replace("/usr/bin/kiosk", &bin.join("kiosk").to_string_lossy());
    let copy = scratch.join(unit);
    std::fs::write(&copy, rewritten).expect("write the unit copy");
    let out = run(
        cmd(
            "systemd-analyze",
            &["verify", "--man=no", copy.to_str().expect("UTF-8 path")],
        ),
        Duration::from_secs(60),
    );
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    let cage_missing = !Path::new("/usr/bin/cage").exists();
    let complaints: Vec<&str> = said
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter(|l| !(cage_missing && l.contains("Command /usr/bin/cage is not executable")))
        .collect();
    assert!(
        complaints.is_empty(),
        "systemd-analyze verify {unit}:\n{said}"
    );
}

/// The packaged maintainer scripts, run with stubbed commands that record their calls.
struct Scripts {
    dir: tempfile::TempDir,
}

impl Scripts {
    /// Unpacks the control archive of `deb`; `existing` are the groups the system already has
    /// (`video`, …), as `getent` will report them.
    fn new(deb: &Path, existing: &[&str]) -> Scripts {
        let dir = tempfile::tempdir().expect("scratch dir");
        let control = dir.path().join("control");
        ok(cmd(
            "dpkg-deb",
            &[
                "-e",
                deb.to_str().expect("UTF-8 path"),
                control.to_str().expect("UTF-8 path"),
            ],
        ));
        let stubs = dir.path().join("stubs");
        std::fs::create_dir(&stubs).expect("stub dir");
        std::fs::create_dir_all(dir.path().join("run/systemd/system")).expect("systemd dir");
        let state: String = existing.iter().map(|g| format!("group {g}\n")).collect();
        std::fs::write(dir.path().join("state"), state).expect("state");
        std::fs::write(dir.path().join("calls"), "").expect("calls");
        // Every stub logs "name args…"; the few whose answer matters keep a state file.
        let stub = |name: &str, body: &str| {
            use std::os::unix::fs::PermissionsExt;
            let path = stubs.join(name);
            let script = format!(
                "#!/bin/sh\nPATH=/usr/bin:/bin\necho \"{name} $*\" >> \"$STUB_DIR/calls\"\n\
                 for last in \"$@\"; do :; done\n{body}\nexit 0\n"
            );
            std::fs::write(&path, script).expect("write stub");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                .expect("chmod stub");
        };
        let forget = "sed -i \"/ $last\\$/d\" \"$STUB_DIR/state\"";
        stub("getent", "grep -qx \"$1 $2\" \"$STUB_DIR/state\" || exit 2");
        stub("addgroup", "echo \"group $last\" >> \"$STUB_DIR/state\"");
        stub(
            "adduser",
            "case \" $* \" in *' --system '*) echo \"passwd $last\" >> \"$STUB_DIR/state\";; esac",
        );
        stub("deluser", forget);
        stub("delgroup", forget);
        stub(
            "dpkg-statoverride",
            "case \"$1\" in\n\
             --list) grep -qx \"statoverride $2\" \"$STUB_DIR/state\" || exit 1;;\n\
             --update) echo \"statoverride $last\" >> \"$STUB_DIR/state\";;\n\
             --remove) sed -i \"\\# $2\\$#d\" \"$STUB_DIR/state\";;\n\
             esac",
        );
        for name in [
            "install",
            "rm",
            "rmdir",
            "systemctl",
            "deb-systemd-helper",
            "deb-systemd-invoke",
        ] {
            stub(name, "");
        }
        Scripts { dir }
    }

    /// Runs maintainer script `name` with `args`; returns the commands it called, one a line.
    fn run(&self, name: &str, args: &[&str]) -> Vec<String> {
        let dir = self.dir.path();
        let script = std::fs::read_to_string(dir.join("control").join(name))
            .unwrap_or_else(|e| panic!("the package has a {name}: {e}"));
        assert!(script.starts_with("#!/bin/sh\n"), "{name}: {script}");
        assert!(script.contains("\nset -e\n"), "{name} stops at a failure");
        assert!(!script.contains("#DEBHELPER#"), "{name}: token replaced");
        // systemd is "running" when the scratch root's /run/systemd/system exists.
        // The scripts' absolute-path checks (systemd running, deb-systemd-helper installed)
        // point into the scratch dir.
        let script = script
            .replace(
                "/run/systemd/system",
                &dir.join("run/systemd/system").to_string_lossy(),
            )
            .replace(
                "/usr/bin/deb-systemd-helper",
                &dir.join("stubs/deb-systemd-helper").to_string_lossy(),
            );
        let copy = dir.join(format!("{name}.run"));
        std::fs::write(&copy, script).expect("write script copy");
        std::fs::write(dir.join("calls"), "").expect("reset calls");
        let mut sh = Command::new("/bin/sh");
        sh.arg(&copy)
            .args(args)
            .env_clear()
            .env("PATH", dir.join("stubs"))
            .env("STUB_DIR", dir);
        ok(sh);
        std::fs::read_to_string(dir.join("calls"))
            .expect("calls")
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn state(&self) -> BTreeSet<String> {
        std::fs::read_to_string(self.dir.path().join("state"))
            .expect("state")
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

fn called(calls: &[String], prefix: &str) -> bool {
    calls.iter().any(|c| c.starts_with(prefix))
}

/// What install, upgrade, remove and purge do, for a package whose user is `user`, data dir
/// `data` and unit `unit`.
fn check_lifecycle(scripts: &Scripts, user: &str, data: &str, unit: &str) {
    for name in ["postinst", "prerm", "postrm"] {
        let path = scripts.dir.path().join("control").join(name);
        ok(cmd("sh", &["-n", path.to_str().expect("UTF-8 path")]));
    }

    // A first install: the user, the data dir, the unit enabled and started.
    let install = scripts.run("postinst", &["configure"]);
    assert!(
        called(&install, &format!("addgroup --system --quiet {user}")),
        "{install:#?}"
    );
    assert!(
        called(&install, "adduser --system")
            && install.iter().any(|c| c.contains(&format!("--home {data}"))
                && c.contains("--shell /usr/sbin/nologin")
                && c.ends_with(user)),
        "{install:#?}"
    );
    assert!(
        called(
            &install,
            &format!("install -d -o {user} -g {user} -m 0700 {data}")
        ),
        "{install:#?}"
    );
    assert!(
        called(&install, &format!("deb-systemd-helper enable {unit}")),
        "{install:#?}"
    );
    assert!(
        called(&install, &format!("deb-systemd-invoke start {unit}")),
        "{install:#?}"
    );
    let state = scripts.state();
    assert!(
        state.contains(&format!("passwd {user}")) && state.contains(&format!("group {user}")),
        "{state:?}"
    );

    // An upgrade: not stopped before, restarted after; the user is not made again and
    // nothing is deleted.
    let prerm = scripts.run("prerm", &["upgrade", "0.1.0-2"]);
    assert!(!called(&prerm, "deb-systemd-invoke stop"), "{prerm:#?}");
    let upgrade = scripts.run("postinst", &["configure", "0.1.0-1"]);
    assert!(!called(&upgrade, "adduser --system"), "{upgrade:#?}");
    assert!(!called(&upgrade, "addgroup"), "{upgrade:#?}");
    assert!(
        called(&upgrade, &format!("deb-systemd-invoke restart {unit}")),
        "{upgrade:#?}"
    );
    assert!(!called(&upgrade, "rm "), "{upgrade:#?}");
    let postrm = scripts.run("postrm", &["upgrade", "0.1.0-2"]);
    assert!(
        !called(&postrm, "rm ") && !called(&postrm, "deluser"),
        "{postrm:#?}"
    );

    // Removal stops it and keeps data and user.
    let prerm = scripts.run("prerm", &["remove"]);
    assert!(
        called(&prerm, &format!("deb-systemd-invoke stop {unit}")),
        "{prerm:#?}"
    );
    let remove = scripts.run("postrm", &["remove"]);
    assert!(
        !called(&remove, "rm ") && !called(&remove, "deluser"),
        "{remove:#?}"
    );
    assert!(scripts.state().contains(&format!("passwd {user}")));

    // Purge deletes the data dir and the user.
    let purge = scripts.run("postrm", &["purge"]);
    assert!(called(&purge, &format!("rm -rf {data}")), "{purge:#?}");
    assert!(
        called(&purge, &format!("deluser --system --quiet {user}")),
        "{purge:#?}"
    );
    assert!(
        called(&purge, &format!("deb-systemd-helper purge {unit}")),
        "{purge:#?}"
    );
    let state = scripts.state();
    assert!(
        !state.contains(&format!("passwd {user}")) && !state.contains(&format!("group {user}")),
        "{state:?}"
    );
}

#[test]
fn both_packages_install_a_hardened_service_and_clean_up_on_purge() {
    let out = tempfile::tempdir().expect("output dir");
    let root = tempfile::tempdir().expect("scratch root");
    let scratch = tempfile::tempdir().expect("scratch");
    let server = build_deb("sync-server", out.path());
    let kiosk = build_deb("kiosk", out.path());

    // Control fields.
    assert_eq!(field(&server, "Package"), "union-sync-server");
    assert_eq!(field(&kiosk, "Package"), "union-kiosk");
    let version = env!("CARGO_PKG_VERSION");
    assert!(field(&server, "Version").starts_with(version));
    assert!(field(&server, "Depends").contains("adduser"));
    let depends = field(&kiosk, "Depends");
    for dep in ["cage", "adduser", "libwayland-client0", "libxkbcommon0"] {
        assert!(
            depends.contains(dep),
            "union-kiosk depends on {dep}: {depends}"
        );
    }

    // Files, owners and modes; the binaries are the ones this run built.
    for (deb, binary, unit, config, mode) in [
        (
            &server,
            "sync-server",
            "union-sync-server.service",
            "sync-server.toml",
            "-rw-r--r--",
        ),
        (
            &kiosk,
            "kiosk",
            "union-kiosk.service",
            "kiosk.toml",
            "-rw-r-----",
        ),
    ] {
        let files = contents(deb);
        let find = |path: &str| {
            files
                .iter()
                .find(|e| e.path == path)
                .unwrap_or_else(|| panic!("{path} in {}", deb.display()))
        };
        assert!(
            files.iter().all(|e| e.owner == "0/0"),
            "everything owned by root"
        );
        let bin = find(&format!("/usr/bin/{binary}"));
        assert_eq!(bin.mode, "-rwxr-xr-x");
        let built = std::fs::metadata(profile_dir().join(binary)).expect("built binary");
        assert_eq!(
            bin.size,
            built.len(),
            "{binary} packaged as built, unstripped"
        );
        assert_eq!(
            find(&format!("/usr/lib/systemd/system/{unit}")).mode,
            "-rw-r--r--"
        );
        assert_eq!(find(&format!("/etc/union-kiosk/{config}")).mode, mode);
        let conffiles = ok(cmd(
            "dpkg-deb",
            &["-I", deb.to_str().expect("UTF-8 path"), "conffiles"],
        ));
        assert_eq!(conffiles.trim(), format!("/etc/union-kiosk/{config}"));
        ok(cmd(
            "dpkg",
            &[
                "-x",
                deb.to_str().expect("UTF-8 path"),
                root.path().to_str().expect("UTF-8 path"),
            ],
        ));
    }

    // The unpacked programs run, and the configs are the examples, which load.
    let r = root.path();
    let version_line = ok(cmd(
        r.join("usr/bin/sync-server").to_str().expect("path"),
        &["--version"],
    ));
    assert!(version_line.contains(version), "{version_line}");
    ok(cmd(
        r.join("usr/bin/kiosk").to_str().expect("path"),
        &["--version"],
    ));
    for (packaged, example) in [
        (
            "etc/union-kiosk/sync-server.toml",
            "config/sync-server.example.toml",
        ),
        ("etc/union-kiosk/kiosk.toml", "config/kiosk.example.toml"),
    ] {
        assert_eq!(
            std::fs::read(r.join(packaged)).expect("packaged config"),
            std::fs::read(workspace().join(example)).expect("example config"),
            "{packaged} is {example}"
        );
    }
    sync_server::Config::load(Some(&r.join("etc/union-kiosk/sync-server.toml")))
        .expect("the packaged server config loads");
    kiosk::config::KioskConfig::load(Some(&r.join("etc/union-kiosk/kiosk.toml")))
        .expect("the packaged kiosk config loads");

    // The server's unit: notify with a watchdog, hardened, its paths the package's.
    let unit = std::fs::read_to_string(r.join("usr/lib/systemd/system/union-sync-server.service"))
        .expect("server unit");
    let s = |key| setting(&unit, "Service", key);
    assert_eq!(s("Type"), "notify");
    assert!(s("WatchdogSec").ends_with('s'));
    assert_eq!(s("User"), "union-sync");
    assert_eq!(s("StateDirectory"), "union-sync-server");
    assert_eq!(
        s("ExecStart"),
        "/usr/bin/sync-server --config /etc/union-kiosk/sync-server.toml \
         --data-dir /var/lib/union-sync-server serve"
    );
    for (key, value) in [
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("PrivateDevices", "yes"),
        ("UMask", "0077"),
        ("CapabilityBoundingSet", ""),
        ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"),
        ("ProtectKernelTunables", "yes"),
        ("MemoryDenyWriteExecute", "yes"),
    ] {
        assert_eq!(s(key), value, "server unit {key}=");
    }
    assert!(
        unit_settings(&unit, "Service")
            .contains(&("SystemCallFilter".to_owned(), "@system-service".to_owned())),
        "a system call allow-list"
    );
    verify_unit(r, "union-sync-server.service", scratch.path());

    // The kiosk's unit: cage on tty1 as the kiosk user, in place of the login prompt, always
    // restarted, notify from cage's child with a watchdog.
    let unit = std::fs::read_to_string(r.join("usr/lib/systemd/system/union-kiosk.service"))
        .expect("kiosk unit");
    let k = |key| setting(&unit, "Service", key);
    assert_eq!(
        k("ExecStart"),
        "/usr/bin/cage -- /usr/bin/kiosk --config /etc/union-kiosk/kiosk.toml \
         --data-dir /var/lib/union-kiosk run"
    );
    for (key, value) in [
        ("Type", "notify"),
        ("NotifyAccess", "all"),
        ("User", "union-kiosk"),
        ("PAMName", "login"),
        ("TTYPath", "/dev/tty1"),
        ("Restart", "always"),
        ("StateDirectory", "union-kiosk"),
        ("NoNewPrivileges", "yes"),
        ("UMask", "0077"),
        ("CapabilityBoundingSet", ""),
    ] {
        assert_eq!(k(key), value, "kiosk unit {key}=");
    }
    assert!(k("WatchdogSec").ends_with('s'));
    assert_eq!(setting(&unit, "Unit", "Conflicts"), "getty@tty1.service");
    assert_eq!(
        setting(&unit, "Unit", "StartLimitIntervalSec"),
        "0",
        "restarts for ever"
    );
    assert_eq!(setting(&unit, "Install", "WantedBy"), "multi-user.target");
    verify_unit(r, "union-kiosk.service", scratch.path());

    // Maintainer scripts.
    let scripts = Scripts::new(&server, &[]);
    check_lifecycle(
        &scripts,
        "union-sync",
        "/var/lib/union-sync-server",
        "union-sync-server.service",
    );

    let scripts = Scripts::new(&kiosk, &["video", "input"]);
    let install = scripts.run("postinst", &["configure"]);
    for group in ["video", "input"] {
        assert!(
            called(&install, &format!("adduser --quiet union-kiosk {group}")),
            "{install:#?}"
        );
    }
    assert!(
        !called(&install, "adduser --quiet union-kiosk render"),
        "no such group here"
    );
    assert!(
        called(
            &install,
            "dpkg-statoverride --update --add root union-kiosk 0640 /etc/union-kiosk/kiosk.toml"
        ),
        "{install:#?}"
    );
    let again = scripts.run("postinst", &["configure", "0.1.0-1"]);
    assert!(!called(&again, "dpkg-statoverride --update"), "{again:#?}");
    let purge = scripts.run("postrm", &["purge"]);
    assert!(
        called(
            &purge,
            "dpkg-statoverride --remove /etc/union-kiosk/kiosk.toml"
        ),
        "{purge:#?}"
    );
    let scripts = Scripts::new(&kiosk, &["video", "input"]);
    check_lifecycle(
        &scripts,
        "union-kiosk",
        "/var/lib/union-kiosk",
        "union-kiosk.service",
    );
}
