-- Receipt codes are `<kiosk prefix>-<kiosk counter>`; the server hands out prefixes.
ALTER TABLE kiosks ADD COLUMN receipt_prefix TEXT;
CREATE UNIQUE INDEX kiosks_receipt_prefix ON kiosks(receipt_prefix) WHERE receipt_prefix IS NOT NULL;

-- Filled-in forms. `upload_sha256` fingerprints the exact upload, so a resend of the same
-- submission is recognised and a different one under the same id is refused.
CREATE TABLE submissions (
    id TEXT PRIMARY KEY,
    receipt TEXT NOT NULL UNIQUE,
    kiosk_id TEXT NOT NULL REFERENCES kiosks(id),
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    form_id TEXT NOT NULL,
    form_version INTEGER NOT NULL,
    upload_sha256 BLOB NOT NULL,
    answers TEXT NOT NULL,
    phone_last4 TEXT,
    status TEXT NOT NULL DEFAULT 'received',
    submitted_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE INDEX submissions_org ON submissions(org_id, received_at);
