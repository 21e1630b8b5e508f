-- Who read or exported employees' answers, and when; kept for ever. `staff_id` NULL is the
-- server itself (retention) or the operator's CLI. One row per submission concerned.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    staff_id INTEGER REFERENCES staff(id),
    action TEXT NOT NULL CHECK (action IN ('view', 'export', 'change', 'erase'))
);
CREATE TABLE audit_submissions (
    audit_id INTEGER NOT NULL REFERENCES audit_log(id),
    submission_id TEXT NOT NULL REFERENCES submissions(id),
    PRIMARY KEY (audit_id, submission_id)
);
CREATE INDEX audit_submissions_of ON audit_submissions(submission_id);

-- When retention erased a closed case's answers (the case and its history stay).
ALTER TABLE submissions ADD COLUMN erased_at INTEGER;
