-- 知识竞赛 (issue 19 part 2): one row per round a kiosk sent, scored by the server from the quiz
-- version the round names (never the kiosk's score). No personal data here: a person who entered
-- the ranking is known by `person` (SHA-256 of the quiz id and the phone, so one line each in
-- the ranking) and a masked name; the name and phone stay in the entry's submission only
-- (`entry_id`), read through the audited inbox and erased by retention.
CREATE TABLE quiz_rounds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id TEXT NOT NULL UNIQUE,
    receipt TEXT NOT NULL UNIQUE,
    kiosk_id TEXT NOT NULL,
    org_id INTEGER NOT NULL,
    quiz_id TEXT NOT NULL,
    quiz_version INTEGER NOT NULL,
    upload_sha256 BLOB NOT NULL,
    score INTEGER NOT NULL,
    total INTEGER NOT NULL,
    seconds INTEGER NOT NULL,
    played_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    person BLOB,
    masked_name TEXT,
    entry_id TEXT
);
CREATE INDEX quiz_rounds_of ON quiz_rounds(quiz_id, played_at);
CREATE INDEX quiz_rounds_person ON quiz_rounds(quiz_id, person);

-- Each question of each round, right or wrong: the console's hardest questions.
CREATE TABLE quiz_answers (
    round_id INTEGER NOT NULL REFERENCES quiz_rounds(id),
    question_key TEXT NOT NULL,
    correct INTEGER NOT NULL,
    PRIMARY KEY (round_id, question_key)
);
