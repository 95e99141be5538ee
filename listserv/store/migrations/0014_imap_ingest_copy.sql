-- 0014: after=move on a server without MOVE is a COPY and then a delete,
-- two commands a crash can fall between. Before the COPY, the after=move
-- folder's UIDVALIDITY and UIDNEXT are written on the messages' rows: a
-- copy made by that COPY has a UID from copy_uidnext on, so a retry looks
-- there for it instead of copying again. 0: no copy begun.
ALTER TABLE imap_ingested ADD COLUMN copy_uidvalidity BIGINT NOT NULL DEFAULT 0;
ALTER TABLE imap_ingested ADD COLUMN copy_uidnext BIGINT NOT NULL DEFAULT 0;
