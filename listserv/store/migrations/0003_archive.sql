-- 0003: the archive. Every post kept raw, once (by content), with the
-- metadata that listings and thread trees are built from; full text lives
-- in the Bleve index, which can always be rebuilt from these rows.

CREATE TABLE archive_blobs (
    hash TEXT PRIMARY KEY,
    raw  BLOB NOT NULL
);

CREATE TABLE archive (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    list_id      INTEGER NOT NULL,
    message_id   TEXT NOT NULL,
    hash         TEXT NOT NULL,
    date         BIGINT NOT NULL,
    orig_date    TEXT NOT NULL DEFAULT '',
    from_addr    TEXT NOT NULL DEFAULT '',
    from_name    TEXT NOT NULL DEFAULT '',
    subject      TEXT NOT NULL DEFAULT '',
    norm_subject TEXT NOT NULL DEFAULT '',
    size         INTEGER NOT NULL,
    attachments  TEXT NOT NULL DEFAULT '',
    thread_id    TEXT NOT NULL,
    parent_id    TEXT NOT NULL DEFAULT '',
    indexed      INTEGER NOT NULL DEFAULT 0,
    archived_at  BIGINT NOT NULL,
    UNIQUE (list_id, message_id, hash)
);
CREATE INDEX archive_list_date ON archive (list_id, date);
CREATE INDEX archive_thread ON archive (list_id, thread_id, date);
CREATE INDEX archive_msgid ON archive (list_id, message_id);
CREATE INDEX archive_subject ON archive (list_id, norm_subject, date);
CREATE INDEX archive_unindexed ON archive (indexed, id);

-- The references of each archived message, for threading: a message whose
-- parent is missing (a ghost) still joins the thread of the others that
-- name the same ghost, and re-links when the parent arrives.
CREATE TABLE archive_refs (
    archive_id INTEGER NOT NULL REFERENCES archive(id) ON DELETE CASCADE,
    list_id    INTEGER NOT NULL,
    ref        TEXT NOT NULL
);
CREATE INDEX archive_refs_ref ON archive_refs (list_id, ref);
