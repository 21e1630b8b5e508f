//! The real kiosk binary on a real display: an X server with no window manager ([`Xvfb`]), the
//! kiosk process ([`Process`], started from [`kiosk_command`]), a data dir enrolled and synced
//! against a [`TestServer`] ([`synced_kiosk_dir`], [`demo_kiosk`]) and screenshots of the root
//! window as an [`image::RgbaImage`] (read from Xvfb's own framebuffer file, no X client needed).
//!
//! ```ignore
//! let (server, dir) = tests::display::demo_kiosk().await;   // keep `server` alive: the kiosk syncs
//! let x = tests::display::Xvfb::start(1280, 720);
//! let mut cmd = tests::display::kiosk_command(dir.path());   // `kiosk --data-dir DIR run`
//! x.configure(&mut cmd);                                   // DISPLAY, no WAYLAND_DISPLAY
//! cmd.arg("run");
//! let kiosk = tests::display::Process::spawn("kiosk", cmd);
//! kiosk.wait_for_stderr("home: the org's layout", Duration::from_secs(30)).await;
//! let shot = x.screenshot();
//! ```
//!
//! The server runs on the test's tokio runtime: wait with `tokio::time::sleep` or the async
//! helpers here, never `std::thread::sleep`, or the server stops answering the kiosk. Both
//! [`Xvfb`] and [`Process`] kill their process when dropped; drop the kiosk before its display.
//! Xvfb must be installed (`apt-get install xvfb`); without it `Xvfb::start` panics saying so.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use image::RgbaImage;

use crate::{Staff, TestServer};
use protocol::OrgId;

/// An X server with no window manager, on a display number it picked itself (`-displayfd`),
/// with its framebuffer in a file (`-fbdir`) that [`Xvfb::screenshot`] reads.
pub struct Xvfb {
    child: Child,
    display: u32,
    fbdir: tempfile::TempDir,
    pub width: u32,
    pub height: u32,
}

impl Xvfb {
    /// Starts Xvfb at `width`×`height`×24 and waits until it accepts connections.
    pub fn start(width: u32, height: u32) -> Xvfb {
        require("Xvfb", "xvfb");
        let fbdir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new("Xvfb")
            .args(["-displayfd", "1", "-nolisten", "tcp", "-screen", "0"])
            .arg(format!("{width}x{height}x24"))
            .arg("-fbdir")
            .arg(fbdir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start Xvfb ({e}): install it with `apt-get install -y xvfb`")
            });
        // Xvfb writes its display number to fd 1 once it is ready to connect, and closes it
        // only when it exits: read one line, not to the end.
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut line)
            .expect("read Xvfb's display number");
        let display = match line.trim().parse() {
            Ok(n) => n,
            Err(_) => {
                let _ = child.kill();
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                let _ = child.wait();
                panic!("Xvfb did not start: {err}");
            }
        };
        // Its log would fill the pipe: drain it.
        let stderr = child.stderr.take().expect("piped");
        std::thread::spawn(move || std::io::copy(&mut { stderr }, &mut std::io::sink()));
        Xvfb {
            child,
            display,
            fbdir,
            width,
            height,
        }
    }

    /// `:N`, for `DISPLAY`.
    pub fn display(&self) -> String {
        format!(":{}", self.display)
    }

    /// Points a command at this display (and away from any Wayland one, which winit would
    /// prefer).
    pub fn configure(&self, cmd: &mut Command) {
        cmd.env("DISPLAY", self.display())
            .env_remove("WAYLAND_DISPLAY");
    }

    /// What the screen shows now: the root window, every window on it included.
    pub fn screenshot(&self) -> RgbaImage {
        let bytes = self.framebuffer();
        Xwd::parse(&bytes)
            .expect("Xvfb's framebuffer is an XWD image")
            .to_image()
    }

    /// The four corner pixels now (as [`corners`] gives them), without decoding the whole
    /// screen: cheap enough to poll.
    pub fn corners(&self, inset: u32) -> [image::Rgba<u8>; 4] {
        let bytes = self.framebuffer();
        let xwd = Xwd::parse(&bytes).expect("Xvfb's framebuffer is an XWD image");
        let (r, b) = (xwd.width - 1 - inset, xwd.height - 1 - inset);
        [
            xwd.pixel(inset, inset),
            xwd.pixel(r, inset),
            xwd.pixel(inset, b),
            xwd.pixel(r, b),
        ]
    }

    fn framebuffer(&self) -> Vec<u8> {
        std::fs::read(self.fbdir.path().join("Xvfb_screen0")).expect("Xvfb's framebuffer file")
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A ZPixmap XWD image with 32 bits per pixel (what Xvfb keeps at depth 24), read in place:
/// the header is big-endian, the pixels are in the order the header's `byte_order` says.
pub struct Xwd<'a> {
    bytes: &'a [u8],
    start: usize,
    bytes_per_line: usize,
    little_endian: bool,
    masks: [u32; 3],
    pub width: u32,
    pub height: u32,
}

impl<'a> Xwd<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Xwd<'a>, String> {
        let field = |i: usize| -> Result<u32, String> {
            bytes
                .get(i * 4..i * 4 + 4)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
                .ok_or_else(|| "short header".to_owned())
        };
        let (header_size, format, width, height) = (field(0)?, field(2)?, field(4)?, field(5)?);
        let (byte_order, bits_per_pixel, bytes_per_line) = (field(7)?, field(11)?, field(12)?);
        if format != 2 || bits_per_pixel != 32 {
            return Err(format!(
                "format {format} at {bits_per_pixel} bits per pixel is not 32-bit ZPixmap"
            ));
        }
        let start = header_size as usize + field(19)? as usize * 12;
        let needed = start + bytes_per_line as usize * height as usize;
        if bytes.len() < needed || (bytes_per_line as usize) < width as usize * 4 {
            return Err(format!("{} bytes, {needed} needed", bytes.len()));
        }
        Ok(Xwd {
            bytes,
            start,
            bytes_per_line: bytes_per_line as usize,
            little_endian: byte_order == 0,
            masks: [field(14)?, field(15)?, field(16)?],
            width,
            height,
        })
    }

    /// The pixel at (x, y), which must be inside the image.
    pub fn pixel(&self, x: u32, y: u32) -> image::Rgba<u8> {
        let at = self.start + y as usize * self.bytes_per_line + x as usize * 4;
        let b = [
            self.bytes[at],
            self.bytes[at + 1],
            self.bytes[at + 2],
            self.bytes[at + 3],
        ];
        let pixel = if self.little_endian {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        };
        let channel = |mask: u32| ((pixel & mask) >> mask.trailing_zeros()) as u8;
        image::Rgba([
            channel(self.masks[0]),
            channel(self.masks[1]),
            channel(self.masks[2]),
            255,
        ])
    }

    /// The whole image.
    pub fn to_image(&self) -> RgbaImage {
        RgbaImage::from_fn(self.width, self.height, |x, y| self.pixel(x, y))
    }
}

/// The kiosk binary: `$KIOSK_BIN` if set (a release build, for a benchmark), else the one cargo
/// built next to this test executable (`target/debug/kiosk` for `target/debug/deps/e2e-…`).
/// `cargo test --workspace` builds it; after `cargo test -p tests` alone it may be missing or
/// older than the library: `cargo build -p kiosk` first.
pub fn kiosk_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("KIOSK_BIN") {
        return PathBuf::from(bin);
    }
    let exe = std::env::current_exe().expect("the test executable's path");
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test executable is in target/<profile>/deps")
        .join("kiosk");
    assert!(
        bin.exists(),
        "{} is missing: build it with `cargo build -p kiosk`",
        bin.display()
    );
    bin
}

/// `kiosk --data-dir DIR` with the software renderer (no GPU under Xvfb or headless cage) and
/// the kiosk's info-level logs on stderr; add the subcommand (`run`) and the display's variables.
pub fn kiosk_command(data_dir: &Path) -> Command {
    let mut cmd = Command::new(kiosk_binary());
    cmd.arg("--data-dir")
        .arg(data_dir)
        .env("ICED_BACKEND", "tiny-skia")
        .env("RUST_LOG", "warn,kiosk=info");
    cmd
}

/// A child process that is killed when dropped, its stderr collected as it comes.
pub struct Process {
    name: String,
    child: Child,
    stderr: Arc<Mutex<String>>,
    pub started: Instant,
}

impl Process {
    /// Spawns `cmd` in a process group of its own, with stdin closed, stdout discarded and
    /// stderr collected. Dropping it kills the whole group (so what `runuser` or `cage`
    /// started goes too).
    pub fn spawn(name: &str, mut cmd: Command) -> Process {
        use std::os::unix::process::CommandExt;
        let started = Instant::now();
        let mut child = cmd
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({cmd:?}): {e}"));
        let stderr = Arc::new(Mutex::new(String::new()));
        let pipe = child.stderr.take().expect("piped");
        let sink = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                let mut all = sink.lock().expect("stderr buffer");
                all.push_str(&line);
                all.push('\n');
            }
        });
        Process {
            name: name.to_owned(),
            child,
            stderr,
            started,
        }
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Everything it wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().expect("stderr buffer").clone()
    }

    /// Its exit status, if it has exited.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().expect("wait on the child")
    }

    /// Waits (asynchronously) until its stderr contains `needle`, and returns how long after
    /// the spawn that was first seen. Panics with its stderr if it exits or time runs out.
    pub async fn wait_for_stderr(&mut self, needle: &str, timeout: Duration) -> Duration {
        let deadline = Instant::now() + timeout;
        loop {
            if self.stderr().contains(needle) {
                return self.started.elapsed();
            }
            if let Some(status) = self.exited() {
                panic!(
                    "{} exited ({status}) before writing {needle:?}; its stderr:\n{}",
                    self.name,
                    self.stderr()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{} did not write {needle:?} within {timeout:?}; its stderr:\n{}",
                self.name,
                self.stderr()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends SIGKILL to its process group and waits for it.
    pub fn kill(&mut self) {
        // The group goes even when its leader has already exited (what it started may live
        // on); until the leader is waited for, its id cannot be reused, so this hits nothing else.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Polls `check` every 50 ms (asynchronously, so the test's server keeps serving) until it
/// returns `Some`, or panics with `what` after `timeout`.
pub async fn wait_until<T>(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> Option<T>,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(Instant::now() < deadline, "{what}: not within {timeout:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A kiosk data dir enrolled at `org` with a token from `staff` and synced once (the core that
/// did it closed again), for the real binary to run on.
pub async fn synced_kiosk_dir(staff: &Staff, org: OrgId) -> tempfile::TempDir {
    let (core, dir) = crate::kiosk_core(staff, org).await;
    drop(core);
    dir
}

/// A server with the demo pack (a 300-item catalogue) and a kiosk data dir enrolled at the
/// demo's branch and synced: the org there has its own home layout.
pub async fn demo_kiosk() -> (TestServer, tempfile::TempDir) {
    let (server, admin, loaded) = TestServer::demo().await;
    let dir = synced_kiosk_dir(&admin, loaded.branch).await;
    (server, dir)
}

/// Whether a pixel is the bare X root's black (what an uncovered screen shows under Xvfb).
pub fn is_black(pixel: &image::Rgba<u8>) -> bool {
    pixel.0[..3].iter().all(|&c| c < 8)
}

/// The four corner pixels (inset by `inset`), top-left, top-right, bottom-left, bottom-right.
pub fn corners(shot: &RgbaImage, inset: u32) -> [image::Rgba<u8>; 4] {
    let (w, h) = shot.dimensions();
    let (r, b) = (w - 1 - inset, h - 1 - inset);
    [
        *shot.get_pixel(inset, inset),
        *shot.get_pixel(r, inset),
        *shot.get_pixel(inset, b),
        *shot.get_pixel(r, b),
    ]
}

/// The user `cage` runs as when the tests run as root (cage refuses to run as root).
pub const CAGE_USER: &str = "union-kiosk-test";

/// `cage` (a Wayland kiosk compositor) on its headless backend, with the software renderer,
/// running the kiosk binary as a non-root user: as root, as [`CAGE_USER`] (created if missing),
/// on copies of the binary and the data dir that user owns. Its runtime dir is its own, mode
/// 0700. [`Cage::screenshot`] runs `grim` as the same user.
///
/// With `rotate`, cage turns its 1280×720 output a quarter turn (a 720×1280 portrait screen).
pub struct Cage {
    pub process: Process,
    /// The user's copy of the kiosk's data dir, the binary and the runtime dir.
    work: tempfile::TempDir,
    user: Option<String>,
}

impl Cage {
    /// Starts `cage [-r] -- kiosk --data-dir COPY run`, with `env` added to the kiosk's
    /// environment, and waits for cage's Wayland socket. Panics saying what to install if
    /// cage, grim or Xwayland is missing.
    pub async fn start(data_dir: &Path, rotate: bool, env: &[(&str, &str)]) -> Cage {
        for (tool, package) in [("cage", "cage"), ("grim", "grim"), ("Xwayland", "xwayland")] {
            require(tool, package);
        }
        let user = is_root().then(|| ensure_user(CAGE_USER));
        let work = tempfile::tempdir().expect("temp dir");
        let runtime = work.path().join("runtime");
        let data = work.path().join("data");
        let bin = work.path().join("kiosk");
        std::fs::create_dir(&runtime).expect("runtime dir");
        std::fs::set_permissions(
            &runtime,
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .expect("chmod runtime dir");
        copy_dir(data_dir, &data);
        std::fs::copy(kiosk_binary(), &bin).expect("copy the kiosk binary");
        if let Some(user) = &user {
            let status = Command::new("chown")
                .args(["-R", &format!("{user}:")])
                .arg(work.path())
                .status()
                .expect("chown");
            assert!(status.success(), "chown the cage user's files");
        }
        let mut cmd = match &user {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--", "env", "-i"]);
                c
            }
            None => {
                let mut c = Command::new("env");
                c.arg("-i");
                c
            }
        };
        cmd.arg(format!(
            "PATH={}",
            std::env::var("PATH").unwrap_or_default()
        ))
        .arg(format!("XDG_RUNTIME_DIR={}", runtime.display()))
        .args([
            "WLR_BACKENDS=headless",
            "WLR_RENDERER=pixman",
            "WLR_LIBINPUT_NO_DEVICES=1",
            "cage",
        ]);
        if rotate {
            cmd.arg("-r");
        }
        cmd.args([
            "--",
            "env",
            "ICED_BACKEND=tiny-skia",
            "RUST_LOG=warn,kiosk=info",
        ]);
        cmd.args(env.iter().map(|(k, v)| format!("{k}={v}")));
        cmd.arg(&bin).arg("--data-dir").arg(&data).arg("run");
        let mut process = Process::spawn("cage", cmd);
        let socket = runtime.join("wayland-0");
        let deadline = Instant::now() + Duration::from_secs(30);
        while !socket.exists() {
            if let Some(status) = process.exited() {
                panic!("cage exited ({status}): {}", process.stderr());
            }
            assert!(
                Instant::now() < deadline,
                "cage made no Wayland socket in 30 s: {}",
                process.stderr()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Cage {
            process,
            work,
            user,
        }
    }

    /// What cage's output shows now, taken by `grim` as cage's user.
    pub fn screenshot(&self) -> RgbaImage {
        let runtime = self.work.path().join("runtime");
        let mut cmd = match &self.user {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--", "env"]);
                c
            }
            None => Command::new("env"),
        };
        let out = cmd
            .arg(format!("XDG_RUNTIME_DIR={}", runtime.display()))
            .args(["WAYLAND_DISPLAY=wayland-0", "grim", "-t", "png", "-"])
            .stdin(Stdio::null())
            .output()
            .expect("run grim");
        assert!(
            out.status.success(),
            "grim failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        image::load_from_memory_with_format(&out.stdout, image::ImageFormat::Png)
            .expect("grim writes a PNG")
            .to_rgba8()
    }
}

/// Panics, saying what to install, unless `tool` is on the PATH.
pub fn require(tool: &str, package: &str) {
    assert!(
        which(tool),
        "{tool} is not installed: `apt-get install -y {package}` (scripts/test.sh does)"
    );
}

fn which(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(tool).is_file()))
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("run id");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// Makes a system user with no login and no home, unless it exists (tests may race to make it).
fn ensure_user(name: &str) -> String {
    let exists = || {
        Command::new("id")
            .arg(name)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !exists() {
        let out = Command::new("useradd")
            .args([
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                name,
            ])
            .output()
            .expect("run useradd");
        assert!(
            out.status.success() || exists(),
            "useradd {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    name.to_owned()
}

/// Copies a directory tree (files and directories only: a kiosk data dir).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}
