-- 0011 for PostgreSQL: the schema of migrations/0011_imap_headers.sql, which says
-- what it is for. Translated: identity columns for AUTOINCREMENT, BIGINT
-- for ids and sizes, BYTEA for BLOB, DOUBLE PRECISION for REAL, and TEXT
-- in the "C" collation, which compares, sorts and lower()s as SQLite does
-- (bytes; ASCII letters only).

CREATE TABLE imap_headers (
    hash TEXT COLLATE "C" PRIMARY KEY,
    head BYTEA NOT NULL
);
