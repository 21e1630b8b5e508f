-- Org units: a tree of any depth. `path` lists ids from the root down to the unit itself,
-- '/1/4/9/', so "is X within Y" is a prefix test and "ancestors of X" is a parse.
CREATE TABLE orgs (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES orgs(id),
    name TEXT NOT NULL,
    path TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX orgs_parent_name ON orgs(ifnull(parent_id, 0), name);

CREATE TABLE staff (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    created_at INTEGER NOT NULL
);

CREATE TABLE staff_sessions (
    token_hash BLOB PRIMARY KEY,
    staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
);

-- Every content kind in one table; `body` is the JSON of protocol::ContentBody.
-- `live` is whether the feed currently shows the item; `next_transition` is when that will next
-- change by the clock alone (publish-at or expire-at), for the scheduler.
CREATE TABLE content (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    state TEXT NOT NULL CHECK (state IN ('draft', 'published', 'unpublished')),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    publish_at INTEGER,
    expire_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES staff(id),
    live INTEGER NOT NULL DEFAULT 0,
    next_transition INTEGER
);
CREATE INDEX content_kind_org ON content(kind, org_id);
CREATE INDEX content_next_transition ON content(next_transition) WHERE next_transition IS NOT NULL;

-- Published form versions, kept for ever even when the form is edited or deleted.
CREATE TABLE form_versions (
    form_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    PRIMARY KEY (form_id, version)
);

-- The delta feed: one row per (item, org) holding its latest state, `item` NULL for a tombstone.
-- Rewriting a row deletes it and inserts it again, so it takes a new, higher `seq`.
-- AUTOINCREMENT keeps seq strictly increasing and never reused.
CREATE TABLE feed (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    content_id TEXT NOT NULL,
    org_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    item TEXT,
    UNIQUE (content_id, org_id)
);
CREATE INDEX feed_org_seq ON feed(org_id, seq);

CREATE TABLE media (
    sha256 TEXT PRIMARY KEY,
    mime TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    file TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE enrollment_tokens (
    token_hash BLOB PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    created_by INTEGER REFERENCES staff(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    kiosk_id TEXT
);

-- `scope_epoch` grows when the kiosk's scope changes (it moved org); cursors carry it.
CREATE TABLE kiosks (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    secret_hash BLOB NOT NULL,
    version TEXT NOT NULL,
    scope_epoch INTEGER NOT NULL DEFAULT 1,
    enrolled_at INTEGER NOT NULL,
    last_seen_at INTEGER,
    revoked_at INTEGER
);
