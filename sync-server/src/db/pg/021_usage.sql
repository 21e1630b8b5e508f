-- PostgreSQL twin of ../021_usage.sql.
-- Usage counts from kiosks' heartbeats (issue 19, part 5; protocol::usage): per org and hour,
-- what and how often — no kiosk, no session, no person. Kept a quarter (usage::KEPT_HOURS).
CREATE TABLE usage_hours (
    hour bigint NOT NULL,
    org_id bigint NOT NULL,
    kind text NOT NULL,
    key text NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (hour, org_id, kind, key)
);

-- The last usage batch added per kiosk: a batch resent after a lost answer is not added again.
CREATE TABLE usage_batches (
    kiosk_id text PRIMARY KEY,
    batch bigint NOT NULL
);
