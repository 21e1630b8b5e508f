//! A server with the demo pack, loaded once per catalogue size in a test process and copied for
//! each test. Loading the demo draws and scales its covers and imports its catalogue, which
//! costs seconds in the dev profile; a copy of the stopped server's data dir costs milliseconds,
//! and each test still gets a server and a database of its own.

use crate::{Staff, TestServer};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use sync_server::Config;
use sync_server::demo::Loaded;
use tokio::sync::OnceCell;

/// A stopped demo server's data, kept for the life of the test process.
struct Template {
    data: tempfile::TempDir,
    config: Config,
    loaded: Loaded,
}

type Templates = Mutex<HashMap<u64, Arc<OnceCell<Template>>>>;

static TEMPLATES: OnceLock<Templates> = OnceLock::new();

impl TestServer {
    /// A fresh server with the demo pack and a generated catalogue of `catalogue` items, and its
    /// administrator logged in. The first call for a size loads the demo into a server of its
    /// own and stops it; every call starts a new server (own data dir, own port) on a copy.
    pub async fn demo(catalogue: u64) -> (TestServer, Staff, Loaded) {
        let cell = TEMPLATES
            .get_or_init(Templates::default)
            .lock()
            .expect("the template map is not poisoned")
            .entry(catalogue)
            .or_default()
            .clone();
        let template = cell
            .get_or_init(|| async {
                let server = TestServer::start().await;
                let (_, loaded) = server.load_demo(catalogue).await;
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
        let config = Config {
            listen: "127.0.0.1:0".parse().expect("valid address"),
            data_dir: Some(dir.path().to_path_buf()),
            ..template.config.clone()
        };
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
