-- 0031 for PostgreSQL: the schema of migrations/0031_answers.sql, which
-- says what it is for. Translated: BIGINT for ids and times, TEXT in the
-- "C" collation, DOUBLE PRECISION for REAL.
CREATE TABLE answers (
    list_id     BIGINT NOT NULL,
    thread_id   TEXT COLLATE "C" NOT NULL,
    question_id TEXT COLLATE "C" NOT NULL,
    answer_id   TEXT COLLATE "C" NOT NULL,
    title       TEXT COLLATE "C" NOT NULL,
    question    TEXT COLLATE "C" NOT NULL,
    gist        TEXT COLLATE "C" NOT NULL,
    asker       TEXT COLLATE "C" NOT NULL,
    answer_by   TEXT COLLATE "C" NOT NULL,
    answer_key  TEXT COLLATE "C" NOT NULL DEFAULT '',
    terms       TEXT COLLATE "C" NOT NULL,
    asked_at    BIGINT NOT NULL,
    answered_at BIGINT NOT NULL,
    score       DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (list_id, thread_id)
);
CREATE INDEX answers_answered ON answers (list_id, answered_at);
CREATE TABLE answers_state (
    list_id BIGINT PRIMARY KEY,
    upto_id BIGINT NOT NULL
);
