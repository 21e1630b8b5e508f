use super::*;

#[test]
fn backoff_grows_caps_and_jitters() {
    let base = Duration::from_secs(1);
    let max = Duration::from_secs(60);
    for failures in 1..40 {
        let window = base.saturating_mul(1 << (failures - 1).min(16)).min(max);
        let waits: Vec<Duration> = (0..400).map(|_| backoff(failures, base, max)).collect();
        assert!(
            waits.iter().all(|d| *d <= window),
            "{failures}: within the window"
        );
        // Full jitter: spread over the whole window, not bunched near its top.
        let low = waits.iter().filter(|d| **d < window / 4).count();
        let high = waits.iter().filter(|d| **d > window * 3 / 4).count();
        assert!(low > 40 && high > 40, "{failures}: {low} low, {high} high");
        let mean = waits.iter().sum::<Duration>() / waits.len() as u32;
        assert!(
            mean > window * 2 / 5 && mean < window * 3 / 5,
            "{failures}: mean {mean:?} of {window:?}"
        );
    }
    // The window doubles with each failure until the cap.
    let mean_of = |failures| {
        (0..400)
            .map(|_| backoff(failures, base, max))
            .sum::<Duration>()
            / 400
    };
    assert!(mean_of(4) > mean_of(2) * 3 / 2);
    assert!(mean_of(30) <= max);
}

fn busy(retry_after: Option<Duration>) -> SyncError {
    SyncError::Client(ClientError::Server {
        status: reqwest::StatusCode::SERVICE_UNAVAILABLE,
        body: protocol::ApiErrorBody {
            error: ErrorCode::ServerBusy,
            message: "busy".into(),
        },
        retry_after,
    })
}

#[test]
fn retry_after_is_respected_within_bounds() {
    let base = Duration::from_secs(1);
    let max = Duration::from_secs(60);
    for _ in 0..200 {
        let d = retry_delay(&busy(Some(Duration::from_secs(7))), 1, base, max);
        assert!(
            d >= Duration::from_secs(7),
            "never sooner than asked: {d:?}"
        );
        assert!(d <= Duration::from_secs(7).max(base), "{d:?}");
        let d = retry_delay(&busy(Some(Duration::from_secs(86_400))), 1, base, max);
        assert_eq!(d, max, "a day is bounded by the kiosk's own longest wait");
        let d = retry_delay(&busy(None), 3, base, max);
        assert!(
            d <= Duration::from_secs(4),
            "no Retry-After: plain backoff {d:?}"
        );
    }
}
