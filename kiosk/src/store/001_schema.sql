-- Key/value facts about this kiosk: enrollment, cursor, sync health.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The content cache: every item in scope, as the feed last sent it.
-- `gen` is the resync generation that last wrote the item; after a resync from zero completes,
-- items from older generations are gone from the server's view and are dropped.
CREATE TABLE items (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    org_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    item TEXT NOT NULL,
    gen INTEGER NOT NULL
);
CREATE INDEX items_kind ON items(kind);

-- Cached media files (the bytes live in <data dir>/media/<sha256>).
CREATE TABLE media (
    sha256 TEXT PRIMARY KEY,
    bytes INTEGER NOT NULL,
    last_used INTEGER NOT NULL
);
