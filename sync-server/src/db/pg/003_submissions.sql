-- PostgreSQL twin of ../003_submissions.sql.
-- Receipt codes are `<kiosk prefix>-<kiosk counter>`; the server hands out prefixes.
ALTER TABLE kiosks ADD COLUMN receipt_prefix text;
CREATE UNIQUE INDEX kiosks_receipt_prefix ON kiosks(receipt_prefix) WHERE receipt_prefix IS NOT NULL;

-- Filled-in forms. `upload_sha256` fingerprints the exact upload, so a resend of the same
-- submission is recognised and a different one under the same id is refused.
CREATE TABLE submissions (
    id text PRIMARY KEY,
    receipt text NOT NULL UNIQUE,
    kiosk_id text NOT NULL REFERENCES kiosks(id),
    org_id bigint NOT NULL REFERENCES orgs(id),
    form_id text NOT NULL,
    form_version bigint NOT NULL,
    upload_sha256 bytea NOT NULL,
    answers text NOT NULL,
    phone_last4 text,
    status text NOT NULL DEFAULT 'received',
    submitted_at bigint NOT NULL,
    received_at bigint NOT NULL
);
CREATE INDEX submissions_org ON submissions(org_id, received_at);
