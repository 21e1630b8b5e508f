//! Helpers for the end-to-end tests: start the real sync server (the same `Application` the
//! binary runs) over real TLS on 127.0.0.1:0 in a fresh temporary directory, and talk to it with
//! the real kiosk client and a pinned staff client.
//!
//! With `UNION_TEST_BACKEND=postgres` every server runs on a fresh PostgreSQL database of the
//! test cluster ([`pg::TestDb`], dropped with the server) instead of the SQLite file in its
//! data dir; the data dir still holds its keys and media. A test about the SQLite file itself
//! starts its server with [`TestServer::start_on_sqlite_with`].

pub mod balancer;
pub mod catalog_files;
pub mod console;
pub mod demo;
pub mod display;
pub mod docx;
pub mod fault;
pub mod pg;
pub mod proxy;
pub mod swarm;

use kiosk::net::{ServerClient, pinned_tls_config};
use protocol::enroll::EnrollRequest;
use protocol::staff::{
    ContentRecord, ContentWrite, EnrollmentTokenCreated, LoginResponse, MediaUploaded,
    NewEnrollmentToken, NewOrg, NewStaff, Org, Role, StaffInfo,
};
use protocol::{ApiErrorBody, ContentBody, EnrollmentString, Fingerprint, OrgId};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sync_server::{AppState, Application, Config};
use tokio::sync::oneshot;
use url::Url;

pub use protocol::content::{NewsArticle, NewsCategory};

pub struct TestServer {
    pub url: Url,
    pub fingerprint: Fingerprint,
    pub state: AppState,
    /// The plain-HTTP metrics listener's address, when `metrics_listen` is set.
    pub metrics: Option<std::net::SocketAddr>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _dir: tempfile::TempDir,
    /// The PostgreSQL database it runs on, when `UNION_TEST_BACKEND=postgres`.
    db: Option<pg::TestDb>,
}

pub const ADMIN: &str = "admin";
pub const PASSWORD: &str = "correct-horse-battery";

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    /// Starts a server whose config `tweak` may change (limits, keepalive, …).
    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config {
            listen: "127.0.0.1:0".parse().expect("valid address"),
            data_dir: Some(dir.path().to_path_buf()),
            ..Config::default()
        };
        tweak(&mut config);
        let db = if pg::servers_on_postgres() {
            database_for(&mut config)
        } else {
            None
        };
        Self::launch(config, dir, db).await
    }

    /// [`TestServer::start_with`] on the SQLite file in its data dir whatever
    /// `UNION_TEST_BACKEND` says: for the tests about that file.
    pub async fn start_on_sqlite_with(tweak: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config {
            listen: "127.0.0.1:0".parse().expect("valid address"),
            data_dir: Some(dir.path().to_path_buf()),
            ..Config::default()
        };
        tweak(&mut config);
        Self::launch(config, dir, None).await
    }

    /// Builds and runs the server as the binary does, and waits until it answers.
    async fn launch(config: Config, dir: tempfile::TempDir, db: Option<pg::TestDb>) -> TestServer {
        let app = Application::build(config).await.expect("server builds");
        let url = app.public_url().clone();
        let fingerprint = app.fingerprint();
        let metrics = app.metrics_addr();
        let state = app.state().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        let server = TestServer {
            url,
            fingerprint,
            state,
            metrics,
            stop: Some(stop),
            task: Some(task),
            _dir: dir,
            db,
        };
        server.client().health().await.expect("server answers");
        server
    }

    /// Asks the server to shut down and waits until it has.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await?,
            None => Ok(()),
        }
    }

    /// A kiosk client with no credentials yet.
    pub fn client(&self) -> ServerClient {
        ServerClient::new(self.url.clone(), self.fingerprint).expect("client builds")
    }

    /// Creates the root org and the first admin, as `sync-server init` does.
    pub async fn init(&self) -> OrgId {
        let admin = NewStaff {
            username: ADMIN.to_owned(),
            password: PASSWORD.to_owned(),
            display_name: "省工会管理员".to_owned(),
            org_id: OrgId(0),
            roles: None,
        };
        sync_server::staff::bootstrap(&self.state, "测试省分行工会".to_owned(), admin)
            .await
            .expect("bootstrap")
            .org_id
    }

    pub async fn login(&self, username: &str, password: &str) -> Staff {
        Staff::sign_in(&self.url, self.fingerprint, username, password).await
    }

    /// A staff account made by `admin` at `org` with `roles`, signed in.
    pub async fn user(&self, admin: &Staff, name: &str, org: OrgId, roles: &[Role]) -> Staff {
        admin.create_user(name, org, roles).await;
        self.login(name, PASSWORD).await
    }

    /// A province with two cities, each with one branch; an admin at the province and a staff
    /// member at city A.
    pub async fn org_tree(&self) -> Tree {
        let province = self.init().await;
        let admin = self.login(ADMIN, PASSWORD).await;
        let city_a = admin.create_org(province, "甲市分行工会").await;
        let city_b = admin.create_org(province, "乙市分行工会").await;
        let branch_a = admin.create_org(city_a, "甲市城东支行").await;
        let branch_b = admin.create_org(city_b, "乙市城西支行").await;
        let _: serde_json::Value = admin
            .post(
                "v1/staff/users",
                &NewStaff {
                    username: "city_a".to_owned(),
                    password: PASSWORD.to_owned(),
                    display_name: "甲市工会干事".to_owned(),
                    org_id: city_a,
                    roles: None,
                },
            )
            .await
            .expect("user created");
        let city_staff = self.login("city_a", PASSWORD).await;
        Tree {
            province,
            city_a,
            city_b,
            branch_a,
            branch_b,
            admin,
            city_staff,
        }
    }

    /// The library items a kiosk enrolled at `org` (by `staff`) receives in its first page, by
    /// title.
    pub async fn library_items_at(
        &self,
        staff: &Staff,
        org: OrgId,
    ) -> Vec<protocol::content::LibraryItem> {
        let kiosk = self.kiosk_at(staff, org).await;
        let page = kiosk.changes(None, Some(2000)).await.expect("feed");
        let mut items: Vec<_> = page
            .changes
            .into_iter()
            .filter_map(|c| match c {
                protocol::Change::Upsert { item, .. } => match item.body {
                    ContentBody::LibraryItem(l) => Some(l),
                    _ => None,
                },
                protocol::Change::Delete { .. } => None,
            })
            .collect();
        items.sort_by(|a, b| a.title.cmp(&b.title));
        items
    }

    /// Enrolls a kiosk at `org` and returns its authenticated client.
    pub async fn kiosk_at(&self, staff: &Staff, org: OrgId) -> ServerClient {
        let created = staff.enrollment_token(org).await;
        let parsed: EnrollmentString = created.enrollment_string.parse().expect("parses");
        let client = ServerClient::new(parsed.server, parsed.fingerprint).expect("client");
        let creds = client
            .enroll(&EnrollRequest {
                token: parsed.token,
                name: "大厅一号机".to_owned(),
                version: "test".to_owned(),
            })
            .await
            .expect("enrolls");
        client.with_credentials(&creds.kiosk_id, &creds.secret)
    }
}

impl TestServer {
    /// Stops the server but keeps its data dir and address, to start it again later.
    pub async fn stop_keeping_data(mut self) -> StoppedServer {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task").expect("clean shutdown");
        }
        let config = (*self.state.config).clone();
        let addr = std::net::SocketAddr::from((
            [127, 0, 0, 1],
            self.url.port().expect("the URL has a port"),
        ));
        let dir = tempfile::tempdir().expect("temp dir");
        // Swap a fresh (unused) temp dir in, so dropping `self` does not delete the data.
        let data = std::mem::replace(&mut self._dir, dir);
        StoppedServer {
            data,
            config,
            addr,
            db: self.db.take(),
        }
    }
}

/// A config's `database` made a fresh test database, unless the test named one itself.
fn database_for(config: &mut Config) -> Option<pg::TestDb> {
    if config.database.is_some() {
        return None;
    }
    let db = pg::TestDb::create();
    config.database = Some(db.url().to_owned().into());
    Some(db)
}

/// A stopped server's data dir, address and (on PostgreSQL) database.
pub struct StoppedServer {
    data: tempfile::TempDir,
    config: Config,
    addr: std::net::SocketAddr,
    db: Option<pg::TestDb>,
}

impl StoppedServer {
    /// The data dir, to change its files while the server is down.
    pub fn data_dir(&self) -> &std::path::Path {
        self.data.path()
    }

    /// The config it ran with, on its address: for building it again by hand.
    pub fn config(&self) -> Config {
        Config {
            listen: self.addr,
            ..self.config.clone()
        }
    }

    /// Opens the database as the CLI would while the server is down.
    pub fn offline_state(&self) -> AppState {
        AppState::open(self.config.clone(), self.addr)
            .expect("data dir opens")
            .0
    }

    /// Starts the server again on the same address with the same data.
    pub async fn start(self) -> TestServer {
        let mut config = self.config.clone();
        config.listen = self.addr;
        TestServer::launch(config, self.data, self.db).await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub struct Tree {
    pub province: OrgId,
    pub city_a: OrgId,
    pub city_b: OrgId,
    pub branch_a: OrgId,
    pub branch_b: OrgId,
    pub admin: Staff,
    pub city_staff: Staff,
}

fn staff_http(pin: Fingerprint) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_backend_preconfigured(pinned_tls_config(pin))
        .build()
        .expect("staff client builds")
}

/// A signed-in staff member's API client.
pub struct Staff {
    pub http: reqwest::Client,
    pub base: Url,
    pub token: String,
    pub org: OrgId,
}

/// A non-2xx answer: its status and JSON error body.
#[derive(Debug)]
pub struct Refused {
    pub status: u16,
    pub body: ApiErrorBody,
}

impl Staff {
    /// Signs `username` in at the server at `base` whose key is `pin`.
    pub async fn sign_in(base: &Url, pin: Fingerprint, username: &str, password: &str) -> Staff {
        let http = staff_http(pin);
        let resp: LoginResponse = Staff::call(
            http.post(base.join("v1/staff/login").expect("url"))
                .json(&serde_json::json!({ "username": username, "password": password })),
        )
        .await
        .expect("login succeeds");
        Staff {
            http,
            base: base.clone(),
            token: resp.token,
            org: resp.staff.org_id,
        }
    }

    async fn call<T: DeserializeOwned>(req: reqwest::RequestBuilder) -> Result<T, Refused> {
        let resp = req.send().await.expect("request reaches the server");
        let status = resp.status();
        let text = resp.text().await.expect("response body");
        if status.is_success() {
            let text = if text.is_empty() { "null" } else { &text };
            Ok(serde_json::from_str(text).expect("success body is the documented JSON"))
        } else {
            let body = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("error body must be JSON ({e}): {text:?}"));
            Err(Refused {
                status: status.as_u16(),
                body,
            })
        }
    }

    pub fn url(&self, path: &str) -> Url {
        self.base.join(path).expect("valid path")
    }

    pub fn authed(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        req.bearer_auth(&self.token)
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Refused> {
        Self::call(self.authed(self.http.get(self.url(path)))).await
    }

    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, Refused> {
        Self::call(self.authed(self.http.post(self.url(path)).json(body))).await
    }

    pub async fn put<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, Refused> {
        Self::call(self.authed(self.http.put(self.url(path)).json(body))).await
    }

    pub async fn delete(&self, path: &str) -> Result<(), Refused> {
        Self::call::<()>(self.authed(self.http.delete(self.url(path)))).await
    }

    pub async fn create_org(&self, parent: OrgId, name: &str) -> OrgId {
        let org: Org = self
            .post(
                "v1/staff/orgs",
                &NewOrg {
                    parent_id: parent,
                    name: name.to_owned(),
                },
            )
            .await
            .expect("org created");
        org.id
    }

    /// Creates a staff account at `org` with `roles` (and password [`PASSWORD`]) through
    /// `POST /v1/staff/users`.
    pub async fn create_user(&self, name: &str, org: OrgId, roles: &[Role]) {
        let _: StaffInfo = self
            .post(
                "v1/staff/users",
                &NewStaff {
                    username: name.to_owned(),
                    password: PASSWORD.to_owned(),
                    display_name: name.to_owned(),
                    org_id: org,
                    roles: Some(roles.to_vec()),
                },
            )
            .await
            .expect("user created");
    }

    pub async fn publish(&self, org: OrgId, body: ContentBody) -> Result<ContentRecord, Refused> {
        self.post("v1/staff/content", &write(org, body)).await
    }

    /// Uploads an image through `POST /v1/staff/media`.
    pub async fn upload(&self, bytes: Vec<u8>, name: &str) -> Result<MediaUploaded, Refused> {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
        let form = reqwest::multipart::Form::new().part("file", part);
        Self::call(
            self.authed(self.http.post(self.url("v1/staff/media")))
                .multipart(form),
        )
        .await
    }

    /// Enrolls a kiosk at `org` and returns its `Authorization` header value, for requests the
    /// kiosk client would never send.
    pub async fn raw_kiosk_credentials(&self, server: &TestServer, org: OrgId) -> String {
        let created = self.enrollment_token(org).await;
        let parsed: EnrollmentString = created.enrollment_string.parse().expect("parses");
        let creds = server
            .client()
            .enroll(&EnrollRequest {
                token: parsed.token,
                name: String::new(),
                version: String::new(),
            })
            .await
            .expect("enrolls");
        creds.bearer()
    }

    pub async fn enrollment_token(&self, org: OrgId) -> EnrollmentTokenCreated {
        self.post(
            "v1/staff/enrollment-tokens",
            &NewEnrollmentToken {
                org_id: org,
                valid_minutes: None,
            },
        )
        .await
        .expect("token created")
    }
}

/// A published write of `body` at `org`, now, without expiry.
pub fn write(org: OrgId, body: ContentBody) -> ContentWrite {
    ContentWrite {
        org_id: org,
        published: true,
        publish_at: None,
        expire_at: None,
        body,
    }
}

pub fn news(title: &str) -> ContentBody {
    ContentBody::News(NewsArticle {
        title: title.to_owned(),
        summary: format!("{title}的摘要"),
        body_markdown: format!("# {title}\n\n正文。"),
        cover: None,
        images: Vec::new(),
        category: NewsCategory::UnionNews,
        pinned: false,
        phone_link: None,
    })
}

/// The next notice on a kiosk's event stream, waiting at most 20 seconds.
pub async fn next_notice(
    stream: &mut (
             impl futures_util::Stream<Item = Result<kiosk::net::Notice, kiosk::net::ClientError>>
             + Unpin
         ),
) -> kiosk::net::Notice {
    use futures_util::StreamExt;
    tokio::time::timeout(std::time::Duration::from_secs(20), stream.next())
        .await
        .expect("a notice within 20 s")
        .expect("the stream is open")
        .expect("the notice parses")
}

/// A PNG of the given size, for upload tests.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 7 % 256) as u8, (y * 3 % 256) as u8, 120])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("encode png");
    out.into_inner()
}

impl TestServer {
    /// The demo pack with a `catalogue`-item generated catalogue, loaded as `sync-server demo`
    /// does, and the demo's administrator signed in.
    pub async fn load_demo(&self, catalogue: u64) -> (Staff, sync_server::demo::Loaded) {
        let work = tempfile::tempdir().expect("dir");
        let loaded = sync_server::demo::load(
            &self.state,
            work.path(),
            catalogue,
            &sync_server::import::catalog::Quiet,
        )
        .await
        .expect("demo loads");
        let admin = self
            .login(sync_server::demo::ADMIN, sync_server::demo::PASSWORD)
            .await;
        (admin, loaded)
    }
}

/// The demo's membership form (入会申请) as a kiosk holds it.
pub async fn membership_form(
    core: &kiosk::core::Core,
) -> (protocol::ContentItem, protocol::content::FormDefinition) {
    core.forms()
        .await
        .expect("forms")
        .into_iter()
        .find(|(_, f)| f.title == "入会申请")
        .expect("the membership form")
}

/// A resident ID number that passes its checksum (born 1985-07-15).
pub fn valid_id() -> String {
    let first17 = *b"33010219850715241";
    let mut id = String::from_utf8(first17.to_vec()).expect("ascii");
    id.push(protocol::answers::resident_id_check_char(&first17));
    id
}

/// Answers that pass the demo's membership form (入会申请).
pub fn membership_answers(name: &str, phone: &str) -> protocol::answers::Answers {
    use serde_json::json;
    [
        ("name", json!(name)),
        ("gender", json!("female")),
        ("id_number", json!(valid_id())),
        ("phone", json!(phone)),
        ("org_unit", json!("lj_chengdong")),
        ("dept", json!("营业部")),
        ("employment", json!("contract")),
        ("join_date", json!("2018-03-01")),
        ("prev_member", json!("no")),
        ("consent", json!(true)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// A kiosk enrolled at `org` with a token from `staff`, its core open and synced once; the
/// temp dir holds its data.
pub async fn kiosk_core(staff: &Staff, org: OrgId) -> (kiosk::core::Core, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("dir");
    {
        let mut store = kiosk::store::Store::open(dir.path()).expect("store");
        let created = staff.enrollment_token(org).await;
        kiosk::admin::enroll(&mut store, &created.enrollment_string, "")
            .await
            .expect("enroll");
    }
    let core =
        kiosk::core::Core::open(dir.path(), kiosk::sync::SyncConfig::default()).expect("core");
    core.sync_now().await.expect("first sync");
    (core, dir)
}

/// A kiosk as branch IT enrolls it, held by a test: its real store and sync engine, the engine
/// not yet started; the temp dir holds its data.
pub struct EnrolledKiosk {
    pub store: std::sync::Arc<std::sync::Mutex<kiosk::store::Store>>,
    pub engine: kiosk::sync::Engine,
    _dir: tempfile::TempDir,
}

impl EnrolledKiosk {
    /// Enrolled at `org` with a fresh enrollment string from `staff`, placed "一楼大厅".
    pub async fn enroll(
        staff: &Staff,
        org: OrgId,
        config: kiosk::sync::SyncConfig,
    ) -> EnrolledKiosk {
        let dir = tempfile::tempdir().expect("dir");
        let mut store = kiosk::store::Store::open(dir.path()).expect("store opens");
        let created = staff.enrollment_token(org).await;
        kiosk::admin::enroll(&mut store, &created.enrollment_string, "一楼大厅")
            .await
            .expect("enrolls");
        let store = std::sync::Arc::new(std::sync::Mutex::new(store));
        let engine = kiosk::sync::Engine::new(store.clone(), config).expect("engine");
        EnrolledKiosk {
            store,
            engine,
            _dir: dir,
        }
    }

    /// The titles of the news articles in the kiosk's store, sorted.
    pub fn news_titles(&self) -> Vec<String> {
        let items = self
            .store
            .lock()
            .expect("lock")
            .items(protocol::ContentKind::News)
            .expect("items");
        let mut titles: Vec<String> = items
            .into_iter()
            .filter_map(|i| match i.body {
                ContentBody::News(n) => Some(n.title),
                _ => None,
            })
            .collect();
        titles.sort();
        titles
    }
}
