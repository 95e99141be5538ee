-- 0014 for PostgreSQL: the schema of migrations/0014_imap_ingest_copy.sql,
-- which says what it is for.
ALTER TABLE imap_ingested ADD COLUMN copy_uidvalidity BIGINT NOT NULL DEFAULT 0;
ALTER TABLE imap_ingested ADD COLUMN copy_uidnext BIGINT NOT NULL DEFAULT 0;
