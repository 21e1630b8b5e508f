-- Limited places (issue 18): one row per booking request, numbered in the order the requests
-- reached the server (`id`, inside the one write transaction that allocated it): places and the
-- waiting list go by that order. `person` is the SHA-256 of the offering id and the phone number,
-- for the per-person limit; the name and phone stay in the submission's answers only.
CREATE TABLE bookings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id TEXT NOT NULL UNIQUE,
    offering_id TEXT NOT NULL,
    session_key TEXT NOT NULL,
    person BLOB NOT NULL,
    member INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'refused', 'cancelled')),
    refusal TEXT,
    attended INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX bookings_session ON bookings(offering_id, session_key, status, id);
CREATE INDEX bookings_person ON bookings(offering_id, person, status);

-- Sessions staff closed early: no more requests are taken for them.
CREATE TABLE closed_sessions (
    offering_id TEXT NOT NULL,
    session_key TEXT NOT NULL,
    closed_at INTEGER NOT NULL,
    closed_by INTEGER,
    PRIMARY KEY (offering_id, session_key)
);
