-- 0004: what the web archive lists without scanning every post. One row
-- per thread, kept up to date as posts are archived, ordered by its latest
-- post; and the links each post shared, filled in by the indexer, which
-- reads the post's text anyway.

CREATE TABLE archive_threads (
    list_id    INTEGER NOT NULL,
    thread_id  TEXT NOT NULL,
    root_id    INTEGER NOT NULL,  -- the archive id of the thread's first post
    subject    TEXT NOT NULL DEFAULT '',
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
    archive_id INTEGER NOT NULL REFERENCES archive(id) ON DELETE CASCADE,
    list_id    INTEGER NOT NULL,
    url        TEXT NOT NULL,
    date       BIGINT NOT NULL,
    PRIMARY KEY (archive_id, url)
);
CREATE INDEX archive_links_latest ON archive_links (list_id, date);

-- Index everything again, so the links of what is archived are found.
UPDATE archive SET indexed = 0;
