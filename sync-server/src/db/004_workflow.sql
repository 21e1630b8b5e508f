-- Staff work on submissions: the current reply and when it last changed, and every change kept.
ALTER TABLE submissions ADD COLUMN reply TEXT;
ALTER TABLE submissions ADD COLUMN updated_at INTEGER;
UPDATE submissions SET updated_at = received_at;
CREATE INDEX submissions_status ON submissions(status, received_at);

CREATE TABLE submission_history (
    id INTEGER PRIMARY KEY,
    submission_id TEXT NOT NULL REFERENCES submissions(id),
    staff_id INTEGER REFERENCES staff(id),
    at INTEGER NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    reply TEXT
);
CREATE INDEX submission_history_of ON submission_history(submission_id, id);

-- The kiosk's last heartbeat (JSON of protocol::workflow::Heartbeat) and when it came.
ALTER TABLE kiosks ADD COLUMN heartbeat TEXT;
ALTER TABLE kiosks ADD COLUMN heartbeat_at INTEGER;
