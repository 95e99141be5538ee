-- 0010 for PostgreSQL: the schema of migrations/0010_imap_ingest.sql, which says
-- what it is for. Translated: identity columns for AUTOINCREMENT, BIGINT
-- for ids and sizes, BYTEA for BLOB, DOUBLE PRECISION for REAL, and TEXT
-- in the "C" collation, which compares, sorts and lower()s as SQLite does
-- (bytes; ASCII letters only).

CREATE TABLE imap_ingested (
    source      TEXT COLLATE "C" NOT NULL,
    uidvalidity BIGINT NOT NULL,
    uid         BIGINT NOT NULL,
    spool_id    BIGINT,
    state       TEXT COLLATE "C" NOT NULL,
    reason      TEXT COLLATE "C" NOT NULL DEFAULT '',
    acted       INTEGER NOT NULL DEFAULT 0,
    taken_at    BIGINT NOT NULL,
    PRIMARY KEY (source, uidvalidity, uid)
);
CREATE INDEX imap_ingested_unacted ON imap_ingested (source, uidvalidity, uid) WHERE acted = 0;
CREATE TABLE imap_ingest_sources (
    source       TEXT COLLATE "C" PRIMARY KEY,
    list_address TEXT COLLATE "C" NOT NULL,
    uidvalidity  BIGINT NOT NULL DEFAULT 0,
    start_uid    BIGINT NOT NULL DEFAULT 0,
    last_uid     BIGINT NOT NULL DEFAULT 0,
    last_error   TEXT COLLATE "C" NOT NULL DEFAULT '',
    updated_at   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX imap_ingest_sources_list ON imap_ingest_sources (list_address);
