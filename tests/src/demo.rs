//! A server with the demo pack, loaded once in a test process and copied for each test. Loading the demo draws and scales its covers and imports its catalogue, which
//! costs seconds in the dev profile; a copy of the stopped server's data dir costs milliseconds,
//! and each test still gets a server and a database of its own.

use crate::{Staff, TestServer};
use std::path::Path;
use sync_server::Config;
use sync_server::demo::Loaded;
use tokio::sync::OnceCell;

/// A stopped demo server's data, kept for the life of the test process.
struct Template {
    data: tempfile::TempDir,
    config: Config,
    loaded: Loaded,
}

/// The generated catalogue's size in every demo server of the tests: one size, so the demo
/// (seconds of drawing and scaling covers) is loaded once per test process.
pub const CATALOGUE: u64 = 300;

static TEMPLATE: OnceCell<Template> = OnceCell::const_new();

impl TestServer {
    /// A fresh server with the demo pack and a generated catalogue of [`CATALOGUE`] items, and
    /// its administrator logged in. The first call loads the demo into a server of its own and
    /// stops it; every call starts a new server (own data dir, own port) on a copy.
    pub async fn demo() -> (TestServer, Staff, Loaded) {
        TestServer::demo_with(|_| {}).await
    }

    /// [`TestServer::demo`] with `tweak` applied to the copy's configuration.
    pub async fn demo_with(tweak: impl FnOnce(&mut Config)) -> (TestServer, Staff, Loaded) {
        let template = TEMPLATE
            .get_or_init(|| async {
                let server = TestServer::start().await;
                let (_, loaded) = server.load_demo(CATALOGUE).await;
                let stopped = server.stop_keeping_data().await;
                Template {
                    config: stopped.config(),
                    data: stopped.data,
                    loaded,
                }
            })
            .await;
        let dir = tempfile::tempdir().expect("temp dir");
        copy_dir(template.data.path(), dir.path());
        let mut config = Config {
            listen: "127.0.0.1:0".parse().expect("valid address"),
            data_dir: Some(dir.path().to_path_buf()),
            ..template.config.clone()
        };
        tweak(&mut config);
        let server = TestServer::launch(config, dir).await;
        let admin = server
            .login(sync_server::demo::ADMIN, sync_server::demo::PASSWORD)
            .await;
        let l = &template.loaded;
        let loaded = Loaded {
            root: l.root,
            branch: l.branch,
            branch_name: l.branch_name.clone(),
            news: l.news,
            forms: l.forms,
            catalog_items: l.catalog_items,
        };
        (server, admin, loaded)
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a copy's directory");
    for entry in std::fs::read_dir(from).expect("read the template") {
        let entry = entry.expect("a template entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("its type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a template file");
        }
    }
}
