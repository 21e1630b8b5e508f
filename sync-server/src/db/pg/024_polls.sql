-- PostgreSQL twin of ../024_polls.sql. The CHECK on `refusal` is named: 026 widens it in place.
-- Polls and surveys (issue 19, 民主管理). One vote per person and poll, and for an anonymous poll
-- nothing that ties a vote to the person who cast it.
--
-- Who has voted: an HMAC-SHA256 of the normalised phone number under a per-poll key derived from
-- the server's submission key (a file beside the database, not in it). No time and no row id.
-- (SQLite's WITHOUT ROWID keeps these rows in hash order; a PostgreSQL heap keeps them roughly in
-- insertion order, and its hidden ctid and xmin say which row came when: docs/scale-out.md.)
CREATE TABLE poll_voters (
    poll_id text NOT NULL,
    voter bytea NOT NULL,
    PRIMARY KEY (poll_id, voter)
);

-- The counts: per question and bucket (a choice, or a rating's star), nothing per vote.
CREATE TABLE poll_tallies (
    poll_id text NOT NULL,
    question bigint NOT NULL,
    bucket bigint NOT NULL,
    votes bigint NOT NULL,
    PRIMARY KEY (poll_id, question, bucket)
);

-- Each vote received: counted (refusal NULL) or why not, for the status check. Never the
-- choices; keyed by the submission's random id.
CREATE TABLE poll_ballots (
    submission_id text PRIMARY KEY,
    poll_id text NOT NULL,
    refusal text CONSTRAINT poll_ballots_refusal
        CHECK (refusal IN ('already_voted', 'closed', 'withdrawn'))
);
CREATE INDEX poll_ballots_poll ON poll_ballots(poll_id, refusal);
