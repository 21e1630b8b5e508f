//! The status check's limits against a real database in a temporary directory, at times given
//! in seconds after a fixed start.

use super::*;
use crate::db::Db;

fn kiosk(n: u32) -> KioskId {
    KioskId(format!("kiosk-{n}"))
}

struct Fixture {
    _dir: tempfile::TempDir,
    db: Db,
    limiter: std::sync::Arc<CheckLimiter>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(&dir.path().join("server.db")).expect("the database opens");
    Fixture {
        _dir: dir,
        db,
        limiter: std::sync::Arc::new(CheckLimiter::new(CheckLimits {
            per_kiosk_per_minute: 3,
            fleet_per_minute: 8,
            tries_per_receipt: 2,
            receipt_lock: Duration::from_secs(600),
        })),
    }
}

const START: i64 = 1_700_000_000_000;

impl Fixture {
    /// A check counted in a write; the read that refuses first must say the same.
    async fn begin(&self, k: u32, receipt: &str, secs: i64) -> Result<(), Refusal> {
        let now = START + secs * 1000;
        let (limiter, tried) = (self.limiter.clone(), receipt.to_owned());
        let read = self
            .db
            .read(move |tx| limiter.refusal(tx, &kiosk(k), &tried, now))
            .await
            .expect("read");
        let (limiter, tried) = (self.limiter.clone(), receipt.to_owned());
        let counted = self
            .db
            .write(move |tx| limiter.begin(tx, &kiosk(k), &tried, now))
            .await
            .expect("counted");
        assert_eq!(
            counted,
            read.map_or(Ok(()), Err),
            "the read and the write agree"
        );
        counted
    }

    async fn succeeded(&self, receipt: &str) {
        let receipt = receipt.to_owned();
        self.db
            .write(move |tx| CheckLimiter::succeeded(tx, &receipt))
            .await
            .expect("forgotten");
    }

    async fn rows(&self, table: &'static str) -> i64 {
        self.db
            .read(move |tx| {
                Ok(tx.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
            })
            .await
            .expect("counted")
    }
}

/// Runs `(kiosk, receipt, seconds after start, expected)` in order on one limiter.
async fn check(steps: &[(u32, &str, i64, Result<(), Refusal>)]) {
    let f = fixture();
    for (i, &(k, receipt, at, expect)) in steps.iter().enumerate() {
        assert_eq!(f.begin(k, receipt, at).await, expect, "step {i}");
    }
}

#[tokio::test]
async fn each_kiosk_has_its_allowance_per_minute() {
    check(&[
        (1, "A", 0, Ok(())),
        (1, "B", 0, Ok(())),
        (1, "C", 0, Ok(())),
        (1, "D", 1, Err(Refusal::Kiosk)),
        (2, "D", 1, Ok(())),
        (1, "D", 61, Ok(())),
    ])
    .await;
}

#[tokio::test]
async fn a_receipt_is_locked_whichever_kiosk_asks_until_the_lock_ends() {
    check(&[
        (1, "R", 0, Ok(())),
        (2, "R", 1, Ok(())),
        (3, "R", 2, Err(Refusal::ReceiptLocked)),
        (4, "R", 300, Err(Refusal::ReceiptLocked)),
        (4, "S", 300, Ok(())),
        (5, "R", 602, Ok(())),
    ])
    .await;
}

#[tokio::test]
async fn the_fleet_has_a_ceiling() {
    let f = fixture();
    for k in 0..8 {
        assert_eq!(f.begin(k, &format!("R{k}"), 0).await, Ok(()));
    }
    assert_eq!(f.begin(8, "R8", 0).await, Err(Refusal::Fleet));
    assert_eq!(
        f.begin(8, "R8", 60).await,
        Ok(()),
        "the ceiling is per minute"
    );
}

#[tokio::test]
async fn a_right_answer_forgets_the_wrong_tries_and_old_entries_go() {
    let f = fixture();
    assert_eq!(f.begin(1, "R", 0).await, Ok(()));
    f.succeeded("R").await;
    assert_eq!(f.begin(1, "R", 0).await, Ok(()));
    assert_eq!(f.begin(1, "R", 0).await, Ok(()));
    assert_eq!(f.begin(2, "R", 0).await, Err(Refusal::ReceiptLocked));
    assert_eq!(f.begin(9, "Z", 601).await, Ok(()));
    assert_eq!(
        f.rows("receipt_tries").await,
        1,
        "expired receipts are forgotten"
    );
    assert_eq!(f.rows("status_checks").await, 1, "old checks are forgotten");
    let stored: Vec<u8> = f
        .db
        .read(|tx| Ok(tx.query_row("SELECT receipt_hash FROM receipt_tries", [], |r| r.get(0))?))
        .await
        .expect("read");
    assert_eq!(
        stored,
        crate::secrets::token_hash("Z"),
        "kept as its SHA-256 only"
    );
}
