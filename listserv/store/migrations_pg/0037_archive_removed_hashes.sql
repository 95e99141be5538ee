-- 0037 for PostgreSQL: the schema of migrations/0037_archive_removed_hashes.sql,
-- which says what it is for. Translated: BIGINT for ids, TEXT in the "C"
-- collation.
CREATE TABLE archive_removed_hashes (
    list_id BIGINT NOT NULL,
    hash    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (list_id, hash)
);
-- The posts removed before this table: their rows keep their bytes' hash
-- under the negated list id (0023).
INSERT INTO archive_removed_hashes (list_id, hash)
SELECT DISTINCT r.list_id, a.hash FROM archive_removed r JOIN archive a ON a.list_id = -r.list_id AND a.message_id = r.message_id;
