-- 0021: who may take a list's archived posts as they came, and the archive
-- read by month (issue 14).
-- /m/ID/raw, attachments, the mbox downloads and anonymous IMAP keep the
-- original bytes, addresses and all, as public-inbox does. 'anyone' lets
-- every reader of the archive have them; 'members' only members signed
-- in (or logged in to IMAP), so an owner can keep addresses from
-- harvesters entirely.
ALTER TABLE lists ADD COLUMN raw_access TEXT NOT NULL DEFAULT 'anyone';

-- The archive read by month and thread after thread (issue 14): threads
-- in the order they were started.
CREATE INDEX archive_threads_started ON archive_threads (list_id, first_date, thread_id);
