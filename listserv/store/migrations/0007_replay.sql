-- 0007: signed commands are acted on once. A mailed command that carries a
-- valid DKIM signature is remembered by its signature for as long as its
-- Date makes it fresh, so that the same signed mail sent again (a replay)
-- is not taken as proof a second time. spool_id lets the message that
-- claimed a signature be checked again after a crash without losing it.
CREATE TABLE signatures_seen (
    key        TEXT PRIMARY KEY,
    spool_id   INTEGER NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX signatures_seen_expires ON signatures_seen (expires_at);
