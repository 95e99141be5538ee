-- 0030 for PostgreSQL: the schema of migrations/0030_related.sql, which
-- says what it is for. Translated: BIGINT for ids and times, TEXT in the
-- "C" collation, DOUBLE PRECISION for REAL.
ALTER TABLE lists ADD COLUMN suggest_related TEXT COLLATE "C" NOT NULL DEFAULT 'off';
CREATE TABLE related_threads (
    list_id    BIGINT NOT NULL,
    thread_id  TEXT COLLATE "C" NOT NULL,
    rank       INTEGER NOT NULL,
    related_id TEXT COLLATE "C" NOT NULL,
    score      DOUBLE PRECISION NOT NULL,
    made_at    BIGINT NOT NULL,
    PRIMARY KEY (list_id, thread_id, rank)
);
