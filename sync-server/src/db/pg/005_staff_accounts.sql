-- PostgreSQL twin of ../005_staff_accounts.sql.
-- Accounts can be disabled (kept, so history still names who did what); a session ends when it
-- has not been used for a while, so `last_used_at` is kept (sessions from before: now).
ALTER TABLE staff ADD COLUMN disabled_at bigint;
ALTER TABLE staff_sessions ADD COLUMN last_used_at bigint NOT NULL DEFAULT 0;
UPDATE staff_sessions SET last_used_at = floor(extract(epoch FROM now()))::bigint * 1000;
CREATE INDEX staff_sessions_of ON staff_sessions(staff_id);
