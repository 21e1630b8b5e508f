-- A revision keeps its body only once the item has moved past it: the current version's body
-- is the content row's own, so a new item (a catalogue import's 100,000 rows) does not write
-- every body twice. `body` is NULL exactly for the revision whose version is the item's current
-- one; the next save fills it in with the body it replaces.
CREATE TABLE revisions_new (
    content_id TEXT NOT NULL REFERENCES content(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    body TEXT,
    staff_id INTEGER REFERENCES staff(id),
    author TEXT NOT NULL,
    saved_at INTEGER NOT NULL,
    changed TEXT NOT NULL,
    restored_from INTEGER,
    PRIMARY KEY (content_id, version)
) WITHOUT ROWID;

INSERT INTO revisions_new (content_id, version, body, staff_id, author, saved_at, changed,
                           restored_from)
    SELECT r.content_id, r.version,
           CASE WHEN r.version = c.version THEN NULL ELSE r.body END,
           r.staff_id, r.author, r.saved_at, r.changed, r.restored_from
    FROM revisions r JOIN content c ON c.id = r.content_id;

DROP TABLE revisions;
ALTER TABLE revisions_new RENAME TO revisions;
