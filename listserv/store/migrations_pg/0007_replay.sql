-- 0007 for PostgreSQL: the schema of migrations/0007_replay.sql, which says
-- what it is for. Translated: identity columns for AUTOINCREMENT, BIGINT
-- for ids and sizes, BYTEA for BLOB, DOUBLE PRECISION for REAL, and TEXT
-- in the "C" collation, which compares, sorts and lower()s as SQLite does
-- (bytes; ASCII letters only).

CREATE TABLE signatures_seen (
    key        TEXT COLLATE "C" PRIMARY KEY,
    spool_id   BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX signatures_seen_expires ON signatures_seen (expires_at);
