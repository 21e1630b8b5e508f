-- PostgreSQL twin of ../027_orgs_parent_name.sql. PostgreSQL's 001 already indexes
-- `coalesce(parent_id, 0)`; the same statements keep the two sides alike.
DROP INDEX orgs_parent_name;
CREATE UNIQUE INDEX orgs_parent_name ON orgs(coalesce(parent_id, 0), name);
