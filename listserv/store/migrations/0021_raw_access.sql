-- 0021: who may take a list's archived posts as they came (issue 14):
-- /m/ID/raw, attachments, the mbox downloads and anonymous IMAP keep the
-- original bytes, addresses and all, as public-inbox does. 'anyone' lets
-- every reader of the archive have them; 'members' only members signed
-- in (or logged in to IMAP), so an owner can keep addresses from
-- harvesters entirely.
ALTER TABLE lists ADD COLUMN raw_access TEXT NOT NULL DEFAULT 'anyone';
