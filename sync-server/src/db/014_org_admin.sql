-- Orgs and accounts managed, not only created (issue 17, part 7).
-- An org can be disabled: nothing in it is deleted, but the kiosks of its subtree are refused
-- (`org_disabled`) and its subtree's staff cannot sign in until it is enabled again. Checked
-- through the partial index, which holds only the disabled orgs (usually none).
ALTER TABLE orgs ADD COLUMN disabled_at INTEGER;
CREATE INDEX orgs_disabled ON orgs(path) WHERE disabled_at IS NOT NULL;
-- A password an administrator set (a temporary one) must be changed at the next sign-in:
-- until then the account can do nothing but change it.
ALTER TABLE staff ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
-- Administration in the audit log: who did what to which org or account, with a short detail
-- (a new name, the roles given, the new parent) and never a password.
CREATE TABLE admin_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    staff_id INTEGER REFERENCES staff(id),
    action TEXT NOT NULL,
    org_id INTEGER REFERENCES orgs(id),
    target_staff INTEGER REFERENCES staff(id),
    detail TEXT NOT NULL DEFAULT ''
);
