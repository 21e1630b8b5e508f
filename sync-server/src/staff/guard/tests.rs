//! The sign-in limits against a real database in a temporary directory, at times given in
//! seconds after a fixed start (`count` takes the time; `begin` uses the clock).

use super::*;
use futures_util::FutureExt;

struct Fixture {
    _dir: tempfile::TempDir,
    db: Db,
    guard: LoginGuard,
}

fn fixture(per_user: usize, per_address: usize, checks: usize) -> Fixture {
    let mut config = crate::config::Config::default().staff;
    config.login_attempts_per_user = per_user;
    config.login_attempts_per_address = per_address;
    config.login_window_seconds = 300;
    config.max_concurrent_password_checks = checks;
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(&dir.path().join("server.db")).expect("the database opens");
    Fixture {
        _dir: dir,
        db,
        guard: LoginGuard::new(&config, b"a test secret"),
    }
}

const START: i64 = 1_700_000_000_000;

fn ip(last: u8) -> Option<IpAddr> {
    Some(IpAddr::from([10, 0, 0, last]))
}

impl Fixture {
    /// An attempt as `user` from `ip` at `secs` after the start: its ids, or `None` if refused.
    async fn attempt(&self, user: &str, ip: Option<IpAddr>, secs: i64) -> Option<Vec<i64>> {
        let keys = self.guard.keys(user, ip);
        let (window, max) = (self.guard.window.as_millis() as i64, self.guard.max_rows);
        self.db
            .write(move |tx| count(tx, &keys, START + secs * 1000, window, max))
            .await
            .expect("counted")
    }

    async fn rows(&self) -> i64 {
        self.db
            .read(|tx| Ok(tx.query_row("SELECT count(*) FROM login_attempts", [], |r| r.get(0))?))
            .await
            .expect("counted")
    }
}

#[tokio::test]
async fn attempts_count_before_the_password_is_checked() {
    let f = fixture(5, 100, 4);
    // Five attempts in flight, none finished: the sixth is refused at once.
    let mut in_flight = Vec::new();
    for _ in 0..5 {
        in_flight.push(f.attempt("Admin", ip(1), 0).await.expect("under the limit"));
    }
    assert!(
        f.attempt(" admin ", ip(2), 0).await.is_none(),
        "the user's attempts are used up, whatever the address or case"
    );
    // After the window, the user may try again.
    assert!(f.attempt("admin", ip(1), 300).await.is_some());
}

/// Through `begin`, on the clock: the refusal as the client sees it, and an attempt given back.
#[tokio::test]
async fn a_right_password_gives_its_attempt_back() {
    let f = fixture(2, 100, 4);
    let first = f.guard.begin(&f.db, "admin", ip(1)).await.expect("first");
    let _second = f.guard.begin(&f.db, "admin", ip(1)).await.expect("second");
    let refused = f
        .guard
        .begin(&f.db, "ADMIN", ip(3))
        .await
        .err()
        .expect("used up");
    assert_eq!(refused.code, ErrorCode::TooManyLogins);
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.message.contains("5 分钟"), "{}", refused.message);
    first.succeeded().await;
    let _third = f
        .guard
        .begin(&f.db, "admin", ip(1))
        .await
        .expect("a turn was given back");
}

#[tokio::test]
async fn an_address_trying_many_usernames_is_limited_too() {
    let f = fixture(5, 3, 4);
    for user in ["a", "b", "c"] {
        assert!(f.attempt(user, ip(7), 0).await.is_some(), "under the limit");
    }
    assert!(
        f.attempt("d", ip(7), 0).await.is_none(),
        "the address is used up"
    );
    assert!(
        f.attempt("d", ip(8), 0).await.is_some(),
        "another address is not"
    );
}

#[tokio::test]
async fn made_up_usernames_cannot_grow_the_table_and_nothing_is_kept_in_clear() {
    let mut f = fixture(5, 5, 4);
    f.guard.max_rows = 40;
    for i in 0..100u8 {
        let _ = f.attempt(&format!("nobody{i}"), ip(i), 0).await;
    }
    assert!(f.rows().await <= 40, "{}", f.rows().await);
    // Old attempts go once their window has passed.
    let _ = f.attempt("late", ip(1), 301).await;
    assert_eq!(f.rows().await, 2);
    let long = "x".repeat(1_000_000);
    assert!(f.attempt(&long, ip(9), 302).await.is_some());
    let stored: Vec<Vec<u8>> =
        f.db.read(|tx| {
            Ok(tx
                .prepare("SELECT key_hash FROM login_attempts")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?)
        })
        .await
        .expect("read");
    assert!(stored.iter().all(|k| k.len() == 32), "32-byte HMACs only");
}

/// What is typed into the username box (sometimes a password) cannot be tested against the
/// rows without the server's secret: they are not its bare SHA-256, and another secret signs
/// them differently.
#[test]
fn counted_keys_are_keyed_by_the_servers_secret() {
    let config = crate::config::Config::default().staff;
    let typed = "my-Secret-passw0rd";
    let ours = LoginGuard::new(&config, b"one secret").keys(typed, ip(1));
    let theirs = LoginGuard::new(&config, b"another secret").keys(typed, ip(1));
    let bare = crate::secrets::token_hash(&format!("user:{}", typed.to_lowercase()));
    assert_ne!(ours[0].0, bare);
    assert_ne!(ours[0].0, theirs[0].0);
    assert_ne!(ours[1].0, theirs[1].0);
    assert_eq!(
        ours[0].0,
        LoginGuard::new(&config, b"one secret").keys(typed, ip(1))[0].0
    );
}

#[test]
fn password_checks_wait_for_a_free_turn() {
    let f = fixture(5, 5, 1);
    let g = &f.guard;
    let first = g
        .verification()
        .now_or_never()
        .expect("a free turn is given at once");
    assert!(
        g.verification().now_or_never().is_none(),
        "the second check waits while the first runs"
    );
    drop(first);
    assert!(g.verification().now_or_never().is_some());
}
