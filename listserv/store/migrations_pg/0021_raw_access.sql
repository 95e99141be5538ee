-- 0021 for PostgreSQL: the schema of migrations/0021_raw_access.sql, which
-- says what it is for; TEXT in the "C" collation, as everywhere.
ALTER TABLE lists ADD COLUMN raw_access TEXT COLLATE "C" NOT NULL DEFAULT 'anyone';
