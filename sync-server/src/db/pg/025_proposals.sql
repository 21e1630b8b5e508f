-- PostgreSQL twin of ../025_proposals.sql.
-- 职代会提案 (issue 19): one row per proposal, numbered within its call in arrival order. The
-- public parts (its text, the proposer's name and department, the co-signers' names and
-- departments, JSON) are kept here because they are published on the kiosks and must outlive
-- the retention of the submission's answers; the phone number stays in the answers only.
-- `org_id` is the call's org, where the `proposal` feed item is written.
CREATE TABLE proposals (
    submission_id text PRIMARY KEY,
    call_id text NOT NULL,
    org_id bigint NOT NULL,
    number bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'done')),
    title text NOT NULL,
    reasons text NOT NULL,
    measures text NOT NULL,
    proposer text NOT NULL,
    cosigners text NOT NULL,
    department text NOT NULL DEFAULT '',
    reason text NOT NULL DEFAULT '',
    reply text NOT NULL DEFAULT '',
    received_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    UNIQUE (call_id, number)
);
CREATE INDEX proposals_org ON proposals(org_id, status);
