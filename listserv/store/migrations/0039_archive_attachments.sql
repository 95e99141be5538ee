-- 0039: the posts that carry attachments, by list and date, for the
-- files of /l/LIST/resources: the page read every post of the list for
-- them (at a hundred times the usrp archive, 356,800 rows for 12,700
-- with files, 0.38 s in the sqlite3 shell; 0.05 s from this index).
CREATE INDEX archive_attachments ON archive (list_id, date) WHERE attachments <> '';
