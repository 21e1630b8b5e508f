use super::*;
use futures_util::FutureExt;

fn guard(per_user: usize, per_address: usize, checks: usize) -> LoginGuard {
    let mut config = crate::config::Config::default().staff;
    config.login_attempts_per_user = per_user;
    config.login_attempts_per_address = per_address;
    config.login_window_seconds = 300;
    config.max_concurrent_password_checks = checks;
    LoginGuard::new(&config)
}

fn ip(last: u8) -> Option<IpAddr> {
    Some(IpAddr::from([10, 0, 0, last]))
}

#[test]
fn attempts_count_before_the_password_is_checked() {
    let g = guard(5, 100, 4);
    let now = Instant::now();
    // Five attempts in flight, none finished: the sixth is refused at once.
    let in_flight: Vec<_> = (0..5)
        .map(|_| g.begin_at("Admin", ip(1), now).expect("under the limit"))
        .collect();
    let refused = g
        .begin_at(" admin ", ip(2), now)
        .err()
        .expect("the user's attempts are used up, whatever the address or case");
    assert_eq!(refused.code, ErrorCode::TooManyLogins);
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.message.contains("5 分钟"), "{}", refused.message);
    // One of them was the right password: it is given back.
    in_flight.into_iter().next().expect("five").succeeded();
    let _ = g
        .begin_at("admin", ip(1), now)
        .expect("a turn was given back");
    // After the window, the user may try again.
    let _ = g
        .begin_at("admin", ip(1), now + Duration::from_secs(300))
        .expect("the window has passed");
}

#[test]
fn an_address_trying_many_usernames_is_limited_too() {
    let g = guard(5, 3, 4);
    let now = Instant::now();
    for user in ["a", "b", "c"] {
        let _ = g.begin_at(user, ip(7), now).expect("under the limit");
    }
    assert!(
        g.begin_at("d", ip(7), now).is_err(),
        "the address is used up"
    );
    let _ = g.begin_at("d", ip(8), now).expect("another address is not");
}

#[test]
fn made_up_usernames_cannot_grow_the_table() {
    let g = guard(5, 5, 4);
    let now = Instant::now();
    for i in 0..(MAX_KEYS * 2) {
        let octets = (i as u32).to_be_bytes();
        let address = Some(IpAddr::from(octets));
        let _ = g.begin_at(&format!("nobody{i}"), address, now);
    }
    assert!(g.remembered() <= MAX_KEYS, "{}", g.remembered());
    let long = "x".repeat(1_000_000);
    let _ = g.begin_at(&long, ip(9), now);
    let table = g.table();
    assert!(
        table
            .keys()
            .all(|(_, k)| k.chars().count() <= MAX_KEY_CHARS)
    );
}

#[test]
fn password_checks_wait_for_a_free_turn() {
    let g = guard(5, 5, 1);
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
