-- The orgs' name check says `coalesce(parent_id, 0)` (portable to PostgreSQL), which SQLite
-- does not match to an index on `ifnull(parent_id, 0)` (001): the same unique index, on the
-- expression the queries use, so that they use it again.
DROP INDEX orgs_parent_name;
CREATE UNIQUE INDEX orgs_parent_name ON orgs(coalesce(parent_id, 0), name);
