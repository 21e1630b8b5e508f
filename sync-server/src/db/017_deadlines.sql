-- Cases with deadlines (issue 17, part 5).
-- A form's response deadline, set by staff in the form's settings (server-side, so changing it
-- makes no new form version and kiosks need not know it): `amount` hours, or working days
-- counted with the holiday calendar. A form without a row has the default for its kind
-- (`deadlines::Allowance::default_for`).
CREATE TABLE form_deadlines (
    form_id TEXT PRIMARY KEY,
    unit TEXT NOT NULL CHECK (unit IN ('hours', 'working_days')),
    amount INTEGER NOT NULL CHECK (amount BETWEEN 1 AND 720),
    set_by INTEGER REFERENCES staff(id),
    set_at INTEGER NOT NULL
);
-- Each case: when the answer is due (exclusive: the end of the last allowed day, or the hour),
-- who it is assigned to (a person, or a lower org), and how far it has been escalated: the org
-- it was escalated to, how many levels, and when the next level is due. Cases from before have
-- no due time; the server fills it in with their form's deadline on its next run.
ALTER TABLE submissions ADD COLUMN due_at INTEGER;
ALTER TABLE submissions ADD COLUMN assigned_staff_id INTEGER REFERENCES staff(id);
ALTER TABLE submissions ADD COLUMN assigned_org_id INTEGER REFERENCES orgs(id);
ALTER TABLE submissions ADD COLUMN escalation_level INTEGER NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN escalated_org_id INTEGER REFERENCES orgs(id);
ALTER TABLE submissions ADD COLUMN next_escalation_at INTEGER;
CREATE INDEX submissions_escalation ON submissions(next_escalation_at) WHERE next_escalation_at IS NOT NULL;
-- What happened to a case besides status changes: assigned (by whom, to whom) and escalated
-- (to which org, which level). Shown in the case's history; kept for the record.
CREATE TABLE case_events (
    id INTEGER PRIMARY KEY,
    submission_id TEXT NOT NULL REFERENCES submissions(id),
    at INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('assigned', 'escalated')),
    staff_id INTEGER REFERENCES staff(id),
    to_staff_id INTEGER REFERENCES staff(id),
    to_org_id INTEGER REFERENCES orgs(id),
    level INTEGER
);
CREATE INDEX case_events_of ON case_events(submission_id, id);
-- An org's own closing days (a branch's anniversary, a move), on top of the official holiday
-- calendar; they count as non-working days for the cases of that org and every org below it.
CREATE TABLE closing_days (
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    day TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    added_by INTEGER REFERENCES staff(id),
    PRIMARY KEY (org_id, day)
);
-- The daily digest by e-mail: where a staff member wants it (none: no e-mail), and which day's
-- digest was sent, so a restart never sends one twice.
ALTER TABLE staff ADD COLUMN digest_email TEXT;
CREATE TABLE digest_sent (
    staff_id INTEGER NOT NULL REFERENCES staff(id),
    day TEXT NOT NULL,
    PRIMARY KEY (staff_id, day)
);
-- The audit log also records assignments and escalations. The table is rebuilt with the same
-- ids, as 008 did (SQLite cannot change a CHECK in place); audit_submissions' foreign key is
-- checked at commit, when every id is back.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE audit_log_before_016 AS SELECT id, at, staff_id, action, kiosk_id FROM audit_log;
DROP TABLE audit_log;
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    staff_id INTEGER REFERENCES staff(id),
    action TEXT NOT NULL CHECK (action IN ('view', 'export', 'change', 'erase', 'screenshot',
                                           'assign', 'escalate')),
    kiosk_id TEXT REFERENCES kiosks(id)
);
INSERT INTO audit_log (id, at, staff_id, action, kiosk_id)
    SELECT id, at, staff_id, action, kiosk_id FROM audit_log_before_016;
DROP TABLE audit_log_before_016;
