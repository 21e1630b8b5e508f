//! The server reaches PostgreSQL over TLS as libpq would (issue 20; `sync_server::pg_tls`), on
//! the test cluster, which serves TLS with a certificate for 127.0.0.1 from an authority of its
//! own (`scripts/pg.sh`): with `sslmode=verify-full` and that authority a real server starts and
//! every connection it holds is encrypted; with another authority, or the right one but another
//! host name, it is refused with an error that names the certificate and not the password;
//! `verify-ca` takes the right authority whatever the name; `disable` stays plain; the server
//! is asked to probe a silent link. `migrate --to` reaches it the same way.

use clap::Parser;
use std::path::PathBuf;
use sync_server::app::Application;
use sync_server::cli::Cli;
use sync_server::config::Config;
use sync_server::pg_tls::Target;
use tests::TestServer;
use tests::pg::TestDb;

/// Runs `work` on a connection to `url` made on a thread of its own (the `postgres` client
/// must not block inside the test's runtime).
fn on_thread<T: Send + 'static>(
    target: anyhow::Result<Target>,
    work: impl FnOnce(&mut postgres::Client) -> T + Send + 'static,
) -> anyhow::Result<T> {
    std::thread::spawn(move || {
        let mut client = target?.connect()?;
        Ok(work(&mut client))
    })
    .join()
    .expect("the connection thread does not panic")
}

/// The cluster's TLS directory (`scripts/pg.sh`): where its server certificate is.
fn tls_dir(db: &TestDb) -> PathBuf {
    let url = format!("{}?sslmode=disable", db.url());
    let cert: String = on_thread(Target::from_url(&url), |c| {
        c.query_one("SHOW ssl_cert_file", &[])
            .expect("ssl_cert_file")
            .get(0)
    })
    .expect("the test cluster answers");
    PathBuf::from(cert)
        .parent()
        .expect("the certificate is in a directory")
        .to_owned()
}

fn with(db: &TestDb, host: &str, params: &str) -> String {
    format!("{}?{params}", db.url()).replacen("127.0.0.1", host, 1)
}

/// Whether this connection is encrypted, as the server sees it.
fn encrypted(c: &mut postgres::Client) -> bool {
    c.query_one(
        "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        &[],
    )
    .expect("pg_stat_ssl")
    .get(0)
}

#[tokio::test]
async fn the_server_reaches_postgresql_over_verified_tls_and_refuses_a_wrong_certificate() {
    let db = TestDb::create();
    let tls = tls_dir(&db);
    let ca = tls.join("ca.crt").display().to_string();
    let other = tls.join("other-ca.crt").display().to_string();

    let verified = with(
        &db,
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    );
    let server = TestServer::start_with(|c| c.database = Some(verified.clone().into())).await;
    server.init().await;
    let _admin = server.login(tests::ADMIN, tests::PASSWORD).await;
    let name = db
        .url()
        .rsplit('/')
        .next()
        .expect("a database name")
        .to_owned();
    let (plain, all): (i64, i64) = on_thread(
        Target::from_url(&with(&db, "127.0.0.1", "sslmode=disable")),
        move |c| {
            let row = c
                .query_one(
                    "SELECT count(*) FILTER (WHERE NOT s.ssl), count(*) FROM pg_stat_ssl s \
                     JOIN pg_stat_activity a USING (pid) \
                     WHERE a.datname = $1 AND a.pid <> pg_backend_pid()",
                    &[&name],
                )
                .expect("the server's connections");
            (row.get(0), row.get(1))
        },
    )
    .expect("the cluster answers");
    assert!(all >= 2, "the server holds {all} connections");
    assert_eq!(
        plain, 0,
        "{plain} of the server's {all} connections are not encrypted"
    );
    server.stop().await.expect("stops");

    // Another authority: the server does not start, and says why without the password.
    let wrong = with(
        &db,
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={other}"),
    )
    .replacen("://unionpg@", "://unionpg:pw-secret@", 1)
    .replacen("://root@", "://root:pw-secret@", 1);
    let dir = tempfile::tempdir().expect("dir");
    let config = Config {
        listen: "127.0.0.1:0".parse().expect("address"),
        data_dir: Some(dir.path().to_path_buf()),
        database: Some(wrong.into()),
        ..Config::default()
    };
    let refused = format!(
        "{:#}",
        Application::build(config).await.err().expect("refused")
    );
    assert!(refused.contains("certificate"), "{refused}");
    assert!(!refused.contains("pw-secret"), "{refused}");

    // The right authority, another name: verify-full refuses, verify-ca takes it.
    let by_name = |mode: &str| {
        with(
            &db,
            "localhost",
            &format!("sslmode={mode}&sslrootcert={ca}"),
        )
    };
    let e = on_thread(Target::from_url(&by_name("verify-full")), encrypted)
        .expect_err("the name is checked");
    assert!(format!("{e:#}").contains("certificate"), "{e:#}");
    assert!(
        on_thread(Target::from_url(&by_name("verify-ca")), encrypted).expect("chain only"),
        "verify-ca is encrypted"
    );
    // The server side probes the link too, so a vanished instance's session (and the leader's
    // lock it held) ends within about a minute.
    let idle: String = on_thread(Target::from_url(db.url()), |c| {
        c.query_one("SHOW tcp_keepalives_idle", &[])
            .expect("tcp_keepalives_idle")
            .get(0)
    })
    .expect("keepalives");
    assert_eq!(idle, "30");
    // libpq's defaults: prefer takes TLS when offered, disable never does.
    assert!(
        on_thread(Target::from_url(db.url()), encrypted).expect("prefer"),
        "prefer is encrypted on a server that offers TLS"
    );
    assert!(
        !on_thread(
            Target::from_url(&with(&db, "127.0.0.1", "sslmode=disable")),
            encrypted
        )
        .expect("disable"),
        "disable is plain"
    );
}

/// `sync-server migrate --to` on the URL the instances use: verified TLS, or refused.
#[tokio::test]
async fn migrate_reaches_postgresql_over_verified_tls() {
    let server = TestServer::start_on_sqlite_with(|_| {}).await;
    server.init().await;
    let stopped = server.stop_keeping_data().await;
    let dir = stopped
        .data_dir()
        .to_str()
        .expect("a UTF-8 path")
        .to_owned();
    let migrate = |url: String| {
        let dir = dir.clone();
        async move {
            Cli::try_parse_from(["sync-server", "--data-dir", &dir, "migrate", "--to", &url])
                .expect("the command line parses")
                .run()
                .await
        }
    };
    let db = TestDb::create();
    let tls = tls_dir(&db);
    let other = tls.join("other-ca.crt").display().to_string();
    let refused = migrate(with(
        &db,
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={other}"),
    ))
    .await
    .expect_err("another authority is refused");
    assert!(
        format!("{refused:#}").contains("certificate"),
        "{refused:#}"
    );
    let ca = tls.join("ca.crt").display().to_string();
    migrate(with(
        &db,
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ))
    .await
    .expect("copied over verified TLS");
    let orgs: i64 = on_thread(Target::from_url(db.url()), |c| {
        c.query_one("SELECT count(*) FROM orgs", &[])
            .expect("orgs")
            .get(0)
    })
    .expect("the copy is there");
    assert_eq!(orgs, 1);
}
