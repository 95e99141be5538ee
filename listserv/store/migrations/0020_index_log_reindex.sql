-- 0020: an entry of the index log written by `praxis reindex` says so,
-- so that every node's indexer can tell in its log when a re-index it
-- was asked for starts and ends (an entry of an archived post or a
-- merged thread is no re-index, and a big import is not one either).

ALTER TABLE index_log ADD COLUMN reindex INTEGER NOT NULL DEFAULT 0;
