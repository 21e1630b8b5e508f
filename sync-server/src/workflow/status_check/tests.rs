use super::*;

fn kiosk(n: u32) -> KioskId {
    KioskId(format!("kiosk-{n}"))
}

fn limiter() -> CheckLimiter {
    CheckLimiter::new(CheckLimits {
        per_kiosk_per_minute: 3,
        fleet_per_minute: 8,
        tries_per_receipt: 2,
        receipt_lock: Duration::from_secs(600),
    })
}

/// Runs `(kiosk, receipt, seconds after start, expected)` in order on one limiter.
fn check(steps: &[(u32, &str, u64, Result<(), Refusal>)]) {
    let limiter = limiter();
    let start = Instant::now();
    for (i, &(k, receipt, at, expect)) in steps.iter().enumerate() {
        let now = start + Duration::from_secs(at);
        assert_eq!(limiter.begin(&kiosk(k), receipt, now), expect, "step {i}");
    }
}

#[test]
fn each_kiosk_has_its_allowance_per_minute() {
    check(&[
        (1, "A", 0, Ok(())),
        (1, "B", 0, Ok(())),
        (1, "C", 0, Ok(())),
        (1, "D", 1, Err(Refusal::Kiosk)),
        (2, "D", 1, Ok(())),
        (1, "D", 61, Ok(())),
    ]);
}

#[test]
fn a_receipt_is_locked_whichever_kiosk_asks_until_the_lock_ends() {
    check(&[
        (1, "R", 0, Ok(())),
        (2, "R", 1, Ok(())),
        (3, "R", 2, Err(Refusal::ReceiptLocked)),
        (4, "R", 300, Err(Refusal::ReceiptLocked)),
        (4, "S", 300, Ok(())),
        (5, "R", 602, Ok(())),
    ]);
}

#[test]
fn the_fleet_has_a_ceiling() {
    let steps: Vec<(u32, String)> = (0..9).map(|n| (n, format!("R{n}"))).collect();
    let limiter = limiter();
    let now = Instant::now();
    for (k, receipt) in &steps[..8] {
        assert_eq!(limiter.begin(&kiosk(*k), receipt, now), Ok(()));
    }
    let (k, receipt) = &steps[8];
    assert_eq!(limiter.begin(&kiosk(*k), receipt, now), Err(Refusal::Fleet));
    assert_eq!(
        limiter.begin(&kiosk(*k), receipt, now + MINUTE),
        Ok(()),
        "the ceiling is per minute"
    );
}

#[test]
fn a_right_answer_forgets_the_wrong_tries_and_old_entries_go() {
    let limiter = limiter();
    let now = Instant::now();
    assert_eq!(limiter.begin(&kiosk(1), "R", now), Ok(()));
    limiter.succeeded("R");
    assert_eq!(limiter.begin(&kiosk(1), "R", now), Ok(()));
    assert_eq!(limiter.begin(&kiosk(1), "R", now), Ok(()));
    assert_eq!(
        limiter.begin(&kiosk(2), "R", now),
        Err(Refusal::ReceiptLocked)
    );
    let later = now + Duration::from_secs(601);
    assert_eq!(limiter.begin(&kiosk(9), "Z", later), Ok(()));
    let w = limiter.state.lock().expect("lock");
    assert_eq!(w.receipts.len(), 1, "expired receipts are forgotten");
    assert_eq!(w.kiosks.len(), 1, "idle kiosks are forgotten");
}
