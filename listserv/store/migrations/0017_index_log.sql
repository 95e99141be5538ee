-- 0017: each node keeps its own full-text index. The shared flag
-- archive.indexed said what one index held, which is wrong once several
-- nodes share the database, each with an index of its own. Instead every
-- change that the index must follow (a post archived, a post whose
-- thread a merge changed, a list's posts leaving with the list, a
-- re-index asked for) is written to index_log at a position, and each
-- node keeps in its index the position it has applied (archive/indexer.go).
--
-- pos comes from index_clock, a counter row that the writing transaction
-- updates last and holds locked to its commit, so positions are taken in
-- commit order: a reader that sees a position has seen every one below
-- it (a sequence would not do: its values are handed out before commit).
-- An entry names a post, not what to do: the indexer reads the post as it
-- is now, and puts it in the index, or takes it out when its list is gone.
-- log_id, made at random here, names this database's log: an index that
-- recorded a position in another one's (a data dir moved to another
-- database) is rebuilt rather than read on from a position that means
-- nothing here. A copy of the database (a backup, a dump) keeps its
-- positions and its log_id together.

CREATE TABLE index_clock (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    pos    BIGINT NOT NULL,
    log_id TEXT NOT NULL
);

CREATE TABLE index_log (
    pos        BIGINT NOT NULL,
    archive_id BIGINT NOT NULL,
    at         BIGINT NOT NULL,  -- when the change was made, for the lag's age
    PRIMARY KEY (pos, archive_id)
) WITHOUT ROWID;

-- What the one index of a SQLite install held is known from the flag:
-- position 1 for what it has (an index without a position of its own
-- takes 1 as applied), 2 for what it waits for. So an upgrade re-indexes
-- nothing. Posts already out with their deleted list need no entry.
INSERT INTO index_log (pos, archive_id, at)
SELECT CASE WHEN indexed = 1 THEN 1 ELSE 2 END, id, archived_at FROM archive WHERE indexed <> 3;
INSERT INTO index_clock (id, pos, log_id) VALUES (1, 2, lower(hex(randomblob(16))));

DROP INDEX archive_unindexed;
ALTER TABLE archive DROP COLUMN indexed;
