-- 0035: each From of a list's posts and its first post's date, read from
-- the index alone (ArchiveAuthors: who posted before a summary's week).
-- Without it the summary of a late week read every post's row.
CREATE INDEX archive_authors ON archive (list_id, from_addr, from_name, date);
