-- 0036 for PostgreSQL: the schema of migrations/0036_post_links.sql,
-- which says what it is for.
ALTER TABLE post_features ADD COLUMN links TEXT COLLATE "C" NOT NULL DEFAULT '';
