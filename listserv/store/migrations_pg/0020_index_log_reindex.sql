-- 0020 for PostgreSQL: the schema of migrations/0020_index_log_reindex.sql,
-- which says what it is for.

ALTER TABLE index_log ADD COLUMN reindex INTEGER NOT NULL DEFAULT 0;
