-- A submission the server refused for good (its answers break the form's rules, its receipt or
-- form version is not the server's, it cannot be opened): it leaves the retry loop but is kept,
-- with the server's code and message, for branch IT to see. NULL while it is still waiting.
ALTER TABLE outbox ADD COLUMN refused_code TEXT;
