-- 0011: the header block of each archived message (up to and with the
-- first empty line, as stored), by the blob's hash. IMAP clients list a
-- mailbox by fetching headers (BODY.PEEK[HEADER], ENVELOPE), and a header
-- is a few KB of a post that may be hundreds: kept here, a header fetch
-- reads this small row instead of the whole blob. Filled lazily, by the
-- IMAP view, the first time a post's header is asked for; a row missing
-- (an older archive, a failed write) only costs reading the blob.
CREATE TABLE imap_headers (
    hash TEXT PRIMARY KEY,
    head BLOB NOT NULL
);
