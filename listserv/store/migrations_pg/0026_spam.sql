-- 0026 for PostgreSQL: the schema of migrations/0026_spam.sql, which
-- says what it is for; TEXT in the "C" collation, as everywhere.
ALTER TABLE lists ADD COLUMN spam_action TEXT COLLATE "C" NOT NULL DEFAULT 'hold';
ALTER TABLE lists ADD COLUMN spam_score DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE lists ADD COLUMN blocklist_action TEXT COLLATE "C" NOT NULL DEFAULT 'reject';
ALTER TABLE lists ADD COLUMN spf_fail_action TEXT COLLATE "C" NOT NULL DEFAULT 'reject';
ALTER TABLE messages ADD COLUMN spam TEXT COLLATE "C" NOT NULL DEFAULT '';
