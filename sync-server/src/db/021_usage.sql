-- Usage counts from kiosks' heartbeats (issue 19, part 5; protocol::usage): per org and hour,
-- what and how often — no kiosk, no session, no person. Kept a quarter (usage::KEPT_HOURS).
CREATE TABLE usage_hours (
    hour INTEGER NOT NULL,
    org_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (hour, org_id, kind, key)
) WITHOUT ROWID;

-- The last usage batch added per kiosk: a batch resent after a lost answer is not added again.
CREATE TABLE usage_batches (
    kiosk_id TEXT PRIMARY KEY,
    batch INTEGER NOT NULL
) WITHOUT ROWID;
