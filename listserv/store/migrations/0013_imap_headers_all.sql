-- 0013: every archived post's header block in imap_headers. ArchivePut
-- keeps each new post's since 0011; the IMAP view cut the older posts'
-- lazily, on their first header FETCH, which made a read command write.
-- Here the rest are cut in SQL exactly as store.HeaderBlock cuts them:
-- up to and with the first line that is empty or a lone CR, the whole
-- post when it has none. p is where the first LF LF starts, q the first
-- LF CR LF; the earlier one ends the block. instr and substr count bytes,
-- as raw is a BLOB and the needles are too.
INSERT INTO imap_headers (hash, head)
SELECT hash, CASE
        WHEN substr(raw, 1, 1) = X'0A' THEN X'0A'
        WHEN substr(raw, 1, 2) = X'0D0A' THEN X'0D0A'
        WHEN p > 0 AND (q = 0 OR p < q) THEN substr(raw, 1, p + 1)
        WHEN q > 0 THEN substr(raw, 1, q + 2)
        ELSE raw
    END
FROM (SELECT b.hash, CAST(b.raw AS BLOB) AS raw, instr(CAST(b.raw AS BLOB), X'0A0A') AS p, instr(CAST(b.raw AS BLOB), X'0A0D0A') AS q
    FROM archive_blobs b
    WHERE NOT EXISTS (SELECT 1 FROM imap_headers h WHERE h.hash = b.hash));
