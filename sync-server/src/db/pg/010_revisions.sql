-- PostgreSQL twin of ../010_revisions.sql (SQLite's WITHOUT ROWID has no PostgreSQL meaning:
-- a plain table with the same primary key).
-- Every saved version of every content item: the body exactly as stored, who saved it and
-- when, and what the save changed. `version` is the item's version (a save is a new version;
-- publishing, unpublishing and the clock do not make one). Restoring an old revision saves its
-- body again as a new version, `restored_from` naming the one it came from. `author` is the
-- name the staff member had when saving (empty for the operator's command line).
CREATE TABLE revisions (
    content_id text NOT NULL REFERENCES content(id) ON DELETE CASCADE,
    version bigint NOT NULL,
    body text NOT NULL,
    staff_id bigint REFERENCES staff(id),
    author text NOT NULL,
    saved_at bigint NOT NULL,
    -- The top-level fields of the body that differ from the version before, comma-separated
    -- ('' for the first version).
    changed text NOT NULL,
    restored_from bigint,
    PRIMARY KEY (content_id, version)
);

-- What was stored before revisions were kept is each item's first known revision.
INSERT INTO revisions (content_id, version, body, staff_id, author, saved_at, changed)
    SELECT c.id, c.version, c.body, c.created_by,
           coalesce((SELECT display_name FROM staff WHERE id = c.created_by), ''),
           c.updated_at, ''
    FROM content c;
