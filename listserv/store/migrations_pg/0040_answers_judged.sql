-- 0040 for PostgreSQL: the schema of migrations/0040_answers_judged.sql,
-- which says what it is for. Translated: BIGINT for ids, TEXT in the "C"
-- collation.
CREATE TABLE answers_judged (
    list_id   BIGINT NOT NULL,
    thread_id TEXT COLLATE "C" NOT NULL,
    post_id   BIGINT NOT NULL,
    edits     BIGINT NOT NULL,
    PRIMARY KEY (list_id, thread_id)
);
