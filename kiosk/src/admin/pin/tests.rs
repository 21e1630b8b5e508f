//! PIN shape, hashing and the guard's locks, with time passed in.

use super::*;

#[test]
fn hash_pin_refuses_short_long_and_non_digit_pins() {
    for bad in [
        "",
        "1234",
        "12345",
        "1234567890123",
        "12345a",
        "１２３４５６",
    ] {
        assert!(
            matches!(hash(bad), Err(PinError::Shape(_))),
            "{bad:?} must be refused"
        );
    }
    let err = hash("1234").expect_err("four digits are too few");
    assert!(err.to_string().contains("6 to 12 digits"), "{err}");
}

#[test]
fn a_hashed_pin_verifies_and_nothing_else_does() {
    let h = hash("246810").expect("six digits hash");
    assert_eq!(check_hash(&h), None);
    assert!(verify(&h, "246810"));
    assert!(!verify(&h, "246811"));
    assert!(!verify("not a hash", "246810"));
}

#[test]
fn an_old_short_pin_never_opens_the_panel() {
    use argon2::password_hash::PasswordHasher as _;
    let salt = SaltString::encode_b64(b"sixteen byte slt").expect("salt");
    let old = Argon2::default()
        .hash_password(b"1234", &salt)
        .expect("hash")
        .to_string();
    assert!(!verify(&old, "1234"));
}

#[test]
fn a_hash_that_cannot_be_used_is_explained() {
    let cases = [
        ("123456", "not a hash made by `kiosk hash-pin`"),
        (
            "$argon2i$v=19$m=16,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
            "not argon2id",
        ),
    ];
    for (input, expect) in cases {
        let said = check_hash(input).expect("refused");
        assert!(said.contains(expect), "{input}: {said}");
        assert!(said.contains("kiosk hash-pin"), "{said}");
    }
}

/// Runs `steps` (`w` a wrong PIN, `r` a right one, `+N` N seconds pass, `?` check) against one
/// guard and writes what each step saw: `ok`, `locked:N` (seconds left), `lock:N` (a wrong PIN
/// that locked the pad for N seconds), `-` (recorded, no lock).
fn check(steps: &str, expect: &str) {
    let start = Instant::now();
    let mut now = start;
    let mut guard = PinGuard::default();
    let mut seen = Vec::new();
    for step in steps.split_whitespace() {
        match step {
            "?" => seen.push(match guard.check(now) {
                Ok(()) => "ok".to_owned(),
                Err(l) => format!("locked:{}", l.remaining.as_secs()),
            }),
            "w" | "r" => seen.push(match guard.record(step == "r", now) {
                Some(l) => format!("lock:{}", l.remaining.as_secs()),
                None => "-".to_owned(),
            }),
            _ => {
                let secs: u64 = step
                    .strip_prefix('+')
                    .and_then(|s| s.parse().ok())
                    .expect("+seconds");
                now += Duration::from_secs(secs);
            }
        }
    }
    assert_eq!(seen.join(" "), expect, "{steps}");
}

#[test]
fn five_wrong_pins_lock_the_pad_for_a_minute() {
    check("w w w w ?", "- - - - ok");
    check("w w w w w ?", "- - - - lock:60 locked:60");
    check("w w w w w +59 ? +1 ?", "- - - - lock:60 locked:1 ok");
}

#[test]
fn each_lock_lasts_twice_as_long_up_to_half_an_hour() {
    check(
        "w w w w w +60 w w w w w +120 w w w w w",
        "- - - - lock:60 - - - - lock:120 - - - - lock:240",
    );
    let many = "w w w w w +3600 ".repeat(7);
    let expect: Vec<String> = [60, 120, 240, 480, 960, 1800, 1800]
        .iter()
        .map(|lock| format!("- - - - lock:{lock}"))
        .collect();
    check(&many, &expect.join(" "));
}

#[test]
fn a_right_pin_forgets_the_wrong_ones() {
    check("w w w w r w w w w ?", "- - - - - - - - - ok");
    check(
        "w w w w w +60 r w w w w w",
        "- - - - lock:60 - - - - - lock:60",
    );
}

#[test]
fn tries_left_count_down_and_reset_after_a_lock() {
    let now = Instant::now();
    let mut guard = PinGuard::default();
    assert_eq!(guard.tries_left(), TRIES);
    guard.record(false, now);
    assert_eq!(guard.tries_left(), TRIES - 1);
    for _ in 1..TRIES {
        guard.record(false, now);
    }
    assert_eq!(guard.tries_left(), TRIES);
    assert!(guard.check(now).is_err());
}
