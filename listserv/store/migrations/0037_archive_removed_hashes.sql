-- 0037: the bytes of removed posts, by their hash, beside the tombstone
-- by Message-ID (0023). A post that came without a Message-ID was
-- archived under one the server made up (praxis.SPOOL.HASH@host), which
-- its bytes do not carry; an export of it, imported again, is named
-- anew from its bytes (praxis-archive.HASH@domain), so the tombstone by
-- Message-ID missed it and a removed password came back. The same bytes
-- on the same list are the same post, whatever it is called.
CREATE TABLE archive_removed_hashes (
    list_id INTEGER NOT NULL,
    hash    TEXT NOT NULL,
    PRIMARY KEY (list_id, hash)
);
-- The posts removed before this table: their rows keep their bytes' hash
-- under the negated list id (0023).
INSERT INTO archive_removed_hashes (list_id, hash)
SELECT DISTINCT r.list_id, a.hash FROM archive_removed r JOIN archive a ON a.list_id = -r.list_id AND a.message_id = r.message_id;
