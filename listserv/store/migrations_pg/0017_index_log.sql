-- 0017 for PostgreSQL: the schema of migrations/0017_index_log.sql, which
-- says what it is for.

CREATE TABLE index_clock (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    pos    BIGINT NOT NULL,
    log_id TEXT COLLATE "C" NOT NULL
);

CREATE TABLE index_log (
    pos        BIGINT NOT NULL,
    archive_id BIGINT NOT NULL,
    at         BIGINT NOT NULL,
    PRIMARY KEY (pos, archive_id)
);

-- Unlike SQLite's, the flag here may have been set by another node than
-- the one whose index is upgraded: every post waits at position 2, and
-- each node's index takes them all in once.
INSERT INTO index_log (pos, archive_id, at)
SELECT 2, id, archived_at FROM archive WHERE indexed <> 3;
INSERT INTO index_clock (id, pos, log_id) VALUES (1, 2, md5(random()::text || clock_timestamp()::text));

DROP INDEX archive_unindexed;
ALTER TABLE archive DROP COLUMN indexed;
