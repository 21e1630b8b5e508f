-- PostgreSQL twin of ../016_import_jobs.sql.
-- Catalogue imports started in the console run as jobs (issue 17, part 8): one row per job,
-- owned by the org of the staff member who started it. Its progress while it runs is kept in
-- the serving process's memory; the row holds when it started and, once it ends, its final
-- report (JSON). A row still 'running' when a server starts was cut short by a restart: the
-- server marks it 'interrupted' before it serves. (With several instances, "cut short by a
-- restart" needs the owning instance recorded: docs/scale-out.md.)
CREATE TABLE import_jobs (
    id text PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES orgs(id),
    target_org_id bigint NOT NULL REFERENCES orgs(id),
    started_by bigint REFERENCES staff(id),
    started_at bigint NOT NULL,
    state text NOT NULL CHECK (state IN ('running', 'done', 'failed', 'interrupted')),
    finished_at bigint,
    report text
);
-- One import at a time per org.
CREATE UNIQUE INDEX import_jobs_running ON import_jobs(org_id) WHERE state = 'running';
CREATE INDEX import_jobs_recent ON import_jobs(org_id, started_at);
