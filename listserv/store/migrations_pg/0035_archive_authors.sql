-- 0035 for PostgreSQL: the index of migrations/0035_archive_authors.sql,
-- which says what it is for.
CREATE INDEX archive_authors ON archive (list_id, from_addr, from_name, date);
