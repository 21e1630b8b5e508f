//! The short fault run (issue 16): fixed seeds, a few dozen cycles of every fault kind against
//! the real `sync-server` and headless kiosk processes, then the oracle. The long run is
//! `scripts/soak.sh CYCLES` (RELIABILITY.md).

use tests::fault::{KINDS, Options, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_lose_nothing_double_nothing_and_every_cache_converges() {
    let options = Options {
        seed: 16,
        cycles: 36,
        bin_dir: Options::bin_dir_of_current_exe(),
        verbose: false,
    };
    let report = run(options).await;
    assert!(report.clean(), "the oracle found differences:\n{report}");
    for kind in KINDS {
        assert!(
            report.faults.get(kind).copied().unwrap_or(0) > 0,
            "seed 16 injects every kind of fault: {kind} missing\n{report}"
        );
    }
    assert!(
        report.confirmed > 20,
        "enough receipts to mean something\n{report}"
    );
    assert!(
        report.revoked > 0,
        "seed 16 revokes and replaces a kiosk\n{report}"
    );
}
