-- 0023 for PostgreSQL: the schema of migrations/0023_archive_removed.sql,
-- which says what it is for. Translated: BIGINT for ids and times, TEXT in
-- the "C" collation.
CREATE TABLE archive_removed (
    list_id    BIGINT NOT NULL,
    message_id TEXT COLLATE "C" NOT NULL,
    removed_at BIGINT NOT NULL,
    removed_by TEXT COLLATE "C" NOT NULL DEFAULT '',
    reason     TEXT COLLATE "C" NOT NULL DEFAULT '',
    PRIMARY KEY (list_id, message_id)
);
CREATE INDEX archive_removed_msgid ON archive_removed (message_id);
