-- PostgreSQL twin of ../011_revision_bodies.sql: SQLite rebuilds the table to let `body` be
-- NULL; here that is one ALTER, and the rebuild's copy is an UPDATE.
-- A revision keeps its body only once the item has moved past it: the current version's body
-- is the content row's own, so a new item (a catalogue import's 100,000 rows) does not write
-- every body twice. `body` is NULL exactly for the revision whose version is the item's current
-- one; the next save fills it in with the body it replaces.
ALTER TABLE revisions ALTER COLUMN body DROP NOT NULL;
UPDATE revisions r SET body = NULL FROM content c
    WHERE c.id = r.content_id AND r.version = c.version;
