-- 0030: related past threads for new questions (issue 17; archive/related).
-- lists.suggest_related: 'private' sends the asker of a new question one
-- private mail of the related answered threads, 'off' (the default) none.
-- related_threads keeps what was found for a question's thread when it
-- was archived, the most related first (rank 0): the thread's page, the
-- summary beside a waiting question and the private mail all show the
-- same. A row is written once (the first node to find them); a related
-- thread removed since is not shown (the reads join archive_threads).
ALTER TABLE lists ADD COLUMN suggest_related TEXT NOT NULL DEFAULT 'off';
CREATE TABLE related_threads (
    list_id    INTEGER NOT NULL,
    thread_id  TEXT NOT NULL,
    rank       INTEGER NOT NULL,
    related_id TEXT NOT NULL,
    score      REAL NOT NULL,
    made_at    BIGINT NOT NULL,
    PRIMARY KEY (list_id, thread_id, rank)
);
