-- Remote care: what staff asked a kiosk to do from the console, and what it answered. A
-- screenshot is kept as the PNG the kiosk sent (checked, size-capped), a report as text.
CREATE TABLE kiosk_commands (
    id INTEGER PRIMARY KEY,
    kiosk_id TEXT NOT NULL REFERENCES kiosks(id),
    kind TEXT NOT NULL CHECK (kind IN ('screenshot', 'sync_now', 'restart', 'doctor', 'logs')),
    requested_by INTEGER REFERENCES staff(id),
    requested_at INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'delivered', 'done', 'failed', 'expired')),
    delivered_at INTEGER,
    finished_at INTEGER,
    result_text TEXT,
    result_png BLOB
);
CREATE INDEX kiosk_commands_of ON kiosk_commands(kiosk_id, id);

-- The audit log also records screenshots staff take of a kiosk's screen, with the kiosk. SQLite
-- cannot change a CHECK in place: the table is rebuilt with the same ids. The rows of
-- audit_submissions point at those ids; their foreign key is checked at commit, when every id
-- is back.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE audit_log_before_008 AS SELECT id, at, staff_id, action FROM audit_log;
DROP TABLE audit_log;
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    staff_id INTEGER REFERENCES staff(id),
    action TEXT NOT NULL CHECK (action IN ('view', 'export', 'change', 'erase', 'screenshot')),
    kiosk_id TEXT REFERENCES kiosks(id)
);
INSERT INTO audit_log (id, at, staff_id, action)
    SELECT id, at, staff_id, action FROM audit_log_before_008;
DROP TABLE audit_log_before_008;
