-- 0029 for PostgreSQL: the schema of migrations/0029_post_features.sql,
-- which says what it is for. Translated: BIGINT for ids, TEXT in the "C"
-- collation (the text is kept valid UTF-8 without NUL: learn.Storable).
CREATE TABLE post_features (
    archive_id BIGINT PRIMARY KEY,
    version    INTEGER NOT NULL,
    own        TEXT COLLATE "C" NOT NULL,
    terms      TEXT COLLATE "C" NOT NULL,
    flags      BIGINT NOT NULL
);
