-- 0009 for PostgreSQL: the schema of migrations/0009_imap.sql, which says
-- what it is for. Translated: identity columns for AUTOINCREMENT, BIGINT
-- for ids and sizes, BYTEA for BLOB, DOUBLE PRECISION for REAL, and TEXT
-- in the "C" collation, which compares, sorts and lower()s as SQLite does
-- (bytes; ASCII letters only).

CREATE INDEX archive_list_uid ON archive (list_id, id);

CREATE TABLE imap_flags (
    list_id     BIGINT NOT NULL,
    address_key TEXT COLLATE "C" NOT NULL,
    archive_id  BIGINT NOT NULL,
    flags       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (list_id, address_key, archive_id)
);

-- A trigger runs a function here. (Each statement on one line: migrations
-- are split at semicolons that end a line.)
CREATE FUNCTION imap_flags_list_gone() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM imap_flags WHERE list_id = OLD.id; RETURN OLD; END $$;
CREATE TRIGGER imap_flags_list_gone AFTER DELETE ON lists FOR EACH ROW EXECUTE FUNCTION imap_flags_list_gone();

CREATE TABLE imap_sizes (
    archive_id BIGINT PRIMARY KEY,
    size       BIGINT NOT NULL
);
