-- The public halves of the keys every instance on one database must share (issue 20): the pin
-- of the generated TLS key ('tls_pin', the SHA-256 kiosks pin) and the submission key's public
-- key ('submission'). The secret halves stay files in the keys dir, never in the database: a
-- copy of it can neither pose as the server nor test a phone number against a keyed HMAC.
-- On PostgreSQL the first instance records them and every later one must match (`secrets`);
-- a single SQLite server leaves the table empty, which keeps both schemas alike for migrate.
CREATE TABLE server_keys (
    name TEXT PRIMARY KEY,
    public BLOB NOT NULL,
    recorded_at INTEGER NOT NULL
);
