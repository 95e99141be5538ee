-- 0023: posts removed from the archive (`praxis archive rm`, `archive
-- purge`): spam, a leaked password, a member's request. A removed post's
-- archive row stays, so that its id (an IMAP UID) is never reused and the
-- index log can name it to every node's indexer, but under the negated
-- list id, where no list's reads find it (as a deleted list's posts are
-- found by none), with its names and subject blanked; its bytes go
-- unless another post holds the same ones. The tombstone here keeps the
-- Message-ID out of the list's archive for good: a re-import or a
-- re-post of it is not archived again, and its permalink answers 410.
CREATE TABLE archive_removed (
    list_id    INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    removed_at INTEGER NOT NULL,
    removed_by TEXT NOT NULL DEFAULT '',
    reason     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (list_id, message_id)
);
CREATE INDEX archive_removed_msgid ON archive_removed (message_id);
