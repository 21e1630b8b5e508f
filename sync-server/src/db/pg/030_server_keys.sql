-- PostgreSQL twin of ../030_server_keys.sql: the public halves of the shared keys, recorded
-- by the first instance and checked by every later one.
CREATE TABLE server_keys (
    name text PRIMARY KEY,
    public bytea NOT NULL,
    recorded_at bigint NOT NULL
);
