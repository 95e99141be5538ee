-- 0009: the read-only IMAP view of the archive. A list's mailbox numbers
-- its posts by archive id (the UID), so it walks the archive of one list in
-- id order: counts, the n-th post, id ranges. The index makes each of these
-- a range of one b-tree, whatever the list's size.
CREATE INDEX archive_list_uid ON archive (list_id, id);

-- The flags a member keeps on a list's posts (\Seen, \Flagged, \Answered,
-- \Draft and keywords), space-separated and sorted; a post without flags
-- has no row. Anonymous sessions keep theirs in memory.
CREATE TABLE imap_flags (
    list_id     INTEGER NOT NULL,
    address_key TEXT NOT NULL,
    archive_id  INTEGER NOT NULL,
    flags       TEXT NOT NULL,
    PRIMARY KEY (list_id, address_key, archive_id)
) WITHOUT ROWID;

-- A list made again under the same address is a new mailbox (a new
-- UIDVALIDITY): the old one's flags go with it.
-- (One line: migrations are split at semicolons that end a line.)
CREATE TRIGGER imap_flags_list_gone AFTER DELETE ON lists BEGIN DELETE FROM imap_flags WHERE list_id = OLD.id; END;

-- RFC822.SIZE is the size of a post with CRLF line endings, which the
-- stored bytes need not have; it is counted once, when a client first asks
-- (mbsync and Thunderbird ask for every post), and kept here.
CREATE TABLE imap_sizes (
    archive_id INTEGER PRIMARY KEY,
    size       INTEGER NOT NULL
);
