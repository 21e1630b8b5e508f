-- Polls and surveys (issue 19, 民主管理). One vote per person and poll, and for an anonymous poll
-- nothing that ties a vote to the person who cast it.
--
-- Who has voted: an HMAC-SHA256 of the normalised phone number under a per-poll key derived from
-- the server's submission key (a file beside the database, not in it). No time and no row id:
-- WITHOUT ROWID keeps the rows in hash order, so their order says nothing of when anyone voted.
CREATE TABLE poll_voters (
    poll_id TEXT NOT NULL,
    voter BLOB NOT NULL,
    PRIMARY KEY (poll_id, voter)
) WITHOUT ROWID;

-- The counts: per question and bucket (a choice, or a rating's star), nothing per vote.
CREATE TABLE poll_tallies (
    poll_id TEXT NOT NULL,
    question INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    votes INTEGER NOT NULL,
    PRIMARY KEY (poll_id, question, bucket)
) WITHOUT ROWID;

-- Each vote received: counted (refusal NULL) or why not, for the status check. Never the
-- choices; keyed by the submission's random id (WITHOUT ROWID: no arrival order).
CREATE TABLE poll_ballots (
    submission_id TEXT PRIMARY KEY,
    poll_id TEXT NOT NULL,
    refusal TEXT CHECK (refusal IN ('already_voted', 'closed', 'withdrawn'))
) WITHOUT ROWID;
CREATE INDEX poll_ballots_poll ON poll_ballots(poll_id, refusal);
