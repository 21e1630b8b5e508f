-- PostgreSQL twin of ../002_external_key.sql.
-- The key an item is known by outside the server, so re-publishing the same news file or
-- re-importing the same catalogue updates items instead of duplicating them:
-- a news file's slug, a library item's 'isbn:<ISBN>' or 'ext:<id>'.
ALTER TABLE content ADD COLUMN external_key text;
CREATE INDEX content_external_key ON content(kind, external_key, org_id)
    WHERE external_key IS NOT NULL;
