-- Usage counts (issue 19, part 5): per hour, what and how often, nothing personal
-- (protocol::usage). `usage_counts` gathers; `usage_sending` is the batch being sent with the
-- heartbeats, kept (and resent under the same number) until the server acknowledges it.
CREATE TABLE usage_counts (
    hour INTEGER NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (hour, kind, key)
) WITHOUT ROWID;

CREATE TABLE usage_sending (
    batch INTEGER NOT NULL,
    hour INTEGER NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (hour, kind, key)
) WITHOUT ROWID;
