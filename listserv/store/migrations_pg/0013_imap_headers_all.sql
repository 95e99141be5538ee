-- 0013 for PostgreSQL: the schema of migrations/0013_imap_headers_all.sql,
-- which says what it is for and how the header block is cut. Here
-- position() finds the needles in the bytea, and the derived table is
-- named, as PostgreSQL wants.
INSERT INTO imap_headers (hash, head)
SELECT hash, CASE
        WHEN substr(raw, 1, 1) = '\x0a'::bytea THEN '\x0a'::bytea
        WHEN substr(raw, 1, 2) = '\x0d0a'::bytea THEN '\x0d0a'::bytea
        WHEN p > 0 AND (q = 0 OR p < q) THEN substr(raw, 1, p + 1)
        WHEN q > 0 THEN substr(raw, 1, q + 2)
        ELSE raw
    END
FROM (SELECT b.hash, b.raw, position('\x0a0a'::bytea IN b.raw) AS p, position('\x0a0d0a'::bytea IN b.raw) AS q
    FROM archive_blobs b
    WHERE NOT EXISTS (SELECT 1 FROM imap_headers h WHERE h.hash = b.hash)) AS x;
