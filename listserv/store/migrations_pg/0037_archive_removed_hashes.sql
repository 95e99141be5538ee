-- 0037 for PostgreSQL: the schema of migrations/0037_archive_removed_hashes.sql,
-- which says what it is for. Translated: BIGINT for ids, TEXT in the "C"
-- collation.
CREATE TABLE archive_removed_hashes (
    list_id BIGINT NOT NULL,
    hash    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (list_id, hash)
);
