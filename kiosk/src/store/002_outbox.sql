-- Filled-in forms waiting to be delivered. The answers are sealed to the server's key before
-- they are written, so no personal data is on this disk in plain text. A delivered row is
-- deleted. `next_attempt_at` schedules retries with backoff.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    receipt TEXT NOT NULL UNIQUE,
    form_id TEXT NOT NULL,
    form_version INTEGER NOT NULL,
    submitted_at INTEGER NOT NULL,
    sealed BLOB NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT
);
