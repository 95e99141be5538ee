-- 0021 for PostgreSQL: the schema of migrations/0021_raw_access.sql, which
-- says what it is for; TEXT in the "C" collation, as everywhere.
ALTER TABLE lists ADD COLUMN raw_access TEXT COLLATE "C" NOT NULL DEFAULT 'anyone';

CREATE INDEX archive_threads_started ON archive_threads (list_id, first_date, thread_id);
