-- 职代会提案 (issue 19): one row per proposal, numbered within its call in arrival order. The
-- public parts (its text, the proposer's name and department, the co-signers' names and
-- departments, JSON) are kept here because they are published on the kiosks and must outlive
-- the retention of the submission's answers; the phone number stays in the answers only.
-- `org_id` is the call's org, where the `proposal` feed item is written.
CREATE TABLE proposals (
    submission_id TEXT PRIMARY KEY,
    call_id TEXT NOT NULL,
    org_id INTEGER NOT NULL,
    number INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'done')),
    title TEXT NOT NULL,
    reasons TEXT NOT NULL,
    measures TEXT NOT NULL,
    proposer TEXT NOT NULL,
    cosigners TEXT NOT NULL,
    department TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    reply TEXT NOT NULL DEFAULT '',
    received_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (call_id, number)
);
CREATE INDEX proposals_org ON proposals(org_id, status);
