-- 0010: IMAP ingest (--imap-ingest) takes each message of a mailbox once.
-- A source is a mailbox, named by its URL without the password. A message
-- of it is known by (source, uidvalidity, uid) (RFC 3501 §2.3.1.1: the
-- pair names one message for good); its row is written in the same
-- transaction as the spooled message, so a crash at any moment leaves
-- either both or neither, and a recorded message is never spooled again.
CREATE TABLE imap_ingested (
    source      TEXT NOT NULL,
    uidvalidity BIGINT NOT NULL,
    uid         BIGINT NOT NULL,
    -- spool_id is the spooled message (messages.id); NULL when refused.
    spool_id    INTEGER,
    -- state is 'posted' or 'refused' (too big, unreadable: reason says).
    state       TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    -- acted is 1 once the after-action (\Seen, MOVE, delete) succeeded
    -- on the server; until then every pass retries it.
    acted       INTEGER NOT NULL DEFAULT 0,
    taken_at    BIGINT NOT NULL,
    PRIMARY KEY (source, uidvalidity, uid)
);
CREATE INDEX imap_ingested_unacted ON imap_ingested (source, uidvalidity, uid) WHERE acted = 0;
-- One row per source: where the last pass got to, and its last error for
-- `praxis list show`. Messages with a UID below start_uid are taken only
-- when not \Seen (the first contact and a UIDVALIDITY change: see imapin).
CREATE TABLE imap_ingest_sources (
    source       TEXT PRIMARY KEY,
    list_address TEXT NOT NULL,
    uidvalidity  BIGINT NOT NULL DEFAULT 0,
    start_uid    BIGINT NOT NULL DEFAULT 0,
    last_uid     BIGINT NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    updated_at   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX imap_ingest_sources_list ON imap_ingest_sources (list_address);
