-- PostgreSQL twin of ../026_poll_changed.sql.
-- Polls (issue 19): a vote cast on an older version of a poll whose questions, choices or
-- anonymity have since changed is refused as 'changed': the CHECK widened in place (SQLite
-- rebuilds poll_ballots for it).
ALTER TABLE poll_ballots DROP CONSTRAINT poll_ballots_refusal;
ALTER TABLE poll_ballots ADD CONSTRAINT poll_ballots_refusal
    CHECK (refusal IN ('already_voted', 'closed', 'withdrawn', 'changed'));
