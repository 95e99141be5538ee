-- 0012 for PostgreSQL: the schema of migrations/0012_imap_sizes.sql, which
-- says what it is for. bytea has no replace(): the LFs and CRLFs are
-- counted in its escape form, where LF and CR stay themselves and no
-- other byte becomes either, and whose characters are all ASCII.
INSERT INTO imap_sizes (archive_id, size)
SELECT a.id, length(b.raw)
        + (length(e.t) - length(replace(e.t, E'\n', '')))
        - (length(e.t) - length(replace(e.t, E'\r\n', ''))) / 2
FROM archive a JOIN archive_blobs b ON b.hash = a.hash
CROSS JOIN LATERAL (SELECT encode(b.raw, 'escape') AS t) e
WHERE NOT EXISTS (SELECT 1 FROM imap_sizes z WHERE z.archive_id = a.id);
