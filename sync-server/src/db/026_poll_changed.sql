-- Polls (issue 19): a vote cast on an older version of a poll whose questions, choices or
-- anonymity have since changed is refused as 'changed'. SQLite cannot alter a CHECK, so
-- poll_ballots is rebuilt with the wider one (same columns, WITHOUT ROWID, same index).
CREATE TABLE poll_ballots_026 (
    submission_id TEXT PRIMARY KEY,
    poll_id TEXT NOT NULL,
    refusal TEXT CHECK (refusal IN ('already_voted', 'closed', 'withdrawn', 'changed'))
) WITHOUT ROWID;
INSERT INTO poll_ballots_026 (submission_id, poll_id, refusal)
    SELECT submission_id, poll_id, refusal FROM poll_ballots;
DROP TABLE poll_ballots;
ALTER TABLE poll_ballots_026 RENAME TO poll_ballots;
CREATE INDEX poll_ballots_poll ON poll_ballots(poll_id, refusal);
