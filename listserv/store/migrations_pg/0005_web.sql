-- 0005 for PostgreSQL: the schema of migrations/0005_web.sql, which says
-- what it is for. Translated: identity columns for AUTOINCREMENT, BIGINT
-- for ids and sizes, BYTEA for BLOB, DOUBLE PRECISION for REAL, and TEXT
-- in the "C" collation, which compares, sorts and lower()s as SQLite does
-- (bytes; ASCII letters only).

CREATE TABLE web_sessions (
    id_hash  TEXT COLLATE "C" PRIMARY KEY,
    address  TEXT COLLATE "C" NOT NULL,
    created  BIGINT NOT NULL,
    expires  BIGINT NOT NULL
);
CREATE INDEX web_sessions_expires ON web_sessions (expires);

CREATE TABLE web_signins_used (
    nonce    TEXT COLLATE "C" PRIMARY KEY,
    expires  BIGINT NOT NULL
);

CREATE INDEX members_address ON members (address_key);
