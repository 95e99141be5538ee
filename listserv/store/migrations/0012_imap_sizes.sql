-- 0012: every post's RFC822.SIZE (its size with each bare LF made CRLF,
-- mailmsg.CRLFSize) is kept in imap_sizes from now on by ArchivePut, in
-- the transaction that stores the post; the IMAP view counted it lazily
-- before. Posts archived before have their row made here, counted in SQL:
-- the bytes plus one for each LF not after a CR, that is the LFs less the
-- CRLFs. replace() works on bytes (a NUL or bytes that are not UTF-8
-- included), and the CAST back to BLOB makes length() count bytes, not
-- characters up to a NUL. A row FETCH counted already is the same number.
INSERT INTO imap_sizes (archive_id, size)
SELECT a.id, length(b.raw)
        + (length(b.raw) - length(CAST(replace(b.raw, X'0A', X'') AS BLOB)))
        - (length(b.raw) - length(CAST(replace(b.raw, X'0D0A', X'') AS BLOB))) / 2
FROM archive a JOIN archive_blobs b ON b.hash = a.hash
WHERE NOT EXISTS (SELECT 1 FROM imap_sizes z WHERE z.archive_id = a.id);
