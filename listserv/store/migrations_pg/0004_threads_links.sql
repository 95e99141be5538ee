-- 0004 for PostgreSQL: the schema of migrations/0004_threads_links.sql, which says
-- what it is for. Translated: identity columns for AUTOINCREMENT, BIGINT
-- for ids and sizes, BYTEA for BLOB, DOUBLE PRECISION for REAL, and TEXT
-- in the "C" collation, which compares, sorts and lower()s as SQLite does
-- (bytes; ASCII letters only).

CREATE TABLE archive_threads (
    list_id    BIGINT NOT NULL,
    thread_id  TEXT COLLATE "C" NOT NULL,
    root_id    BIGINT NOT NULL,  -- the archive id of the thread's first post
    subject    TEXT COLLATE "C" NOT NULL DEFAULT '',
    posts      INTEGER NOT NULL,
    first_date BIGINT NOT NULL,
    last_date  BIGINT NOT NULL,
    PRIMARY KEY (list_id, thread_id)
);
CREATE INDEX archive_threads_latest ON archive_threads (list_id, last_date, thread_id);

INSERT INTO archive_threads (list_id, thread_id, root_id, subject, posts, first_date, last_date)
SELECT a.list_id, a.thread_id,
       (SELECT b.id FROM archive b WHERE b.list_id = a.list_id AND b.thread_id = a.thread_id ORDER BY b.date, b.id LIMIT 1),
       (SELECT b.subject FROM archive b WHERE b.list_id = a.list_id AND b.thread_id = a.thread_id ORDER BY b.date, b.id LIMIT 1),
       COUNT(*), MIN(a.date), MAX(a.date)
FROM archive a GROUP BY a.list_id, a.thread_id;

CREATE TABLE archive_links (
    archive_id BIGINT NOT NULL REFERENCES archive(id) ON DELETE CASCADE,
    list_id    BIGINT NOT NULL,
    url        TEXT COLLATE "C" NOT NULL,
    date       BIGINT NOT NULL,
    PRIMARY KEY (archive_id, url)
);
CREATE INDEX archive_links_latest ON archive_links (list_id, date);

UPDATE archive SET indexed = 0;
