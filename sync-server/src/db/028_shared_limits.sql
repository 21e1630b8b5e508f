-- Rate limits every instance on one database shares (issue 20): sign-in attempts per username
-- and per client address (`staff::guard`), and status checks per kiosk, fleet-wide and per
-- receipt code (`workflow::status_check`), counted here instead of in each process's memory,
-- so that failures on one instance count on the others. What they are counted by is kept only
-- as a SHA-256 hash (a username as typed, an address, a receipt code). Rows older than their
-- window are deleted as new ones are counted.
CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key_hash BLOB NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_attempts_key ON login_attempts(key_hash, at);
CREATE INDEX login_attempts_at ON login_attempts(at);

CREATE TABLE status_checks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kiosk_id TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX status_checks_kiosk ON status_checks(kiosk_id, at);
CREATE INDEX status_checks_at ON status_checks(at);

CREATE TABLE receipt_tries (
    receipt_hash BLOB PRIMARY KEY,
    wrong INTEGER NOT NULL,
    last_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX receipt_tries_last ON receipt_tries(last_at);
