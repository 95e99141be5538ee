-- 0036: the links a post's own text shares (archive.Links), kept with its
-- other features when it is archived, space separated (a URL has no
-- space), so that a summary's resources read them rather than running the
-- link rules over every post of its weeks again. A row written before
-- this column has '' and an older learn.FeaturesVersion, so the next
-- summary that reads it works its links out and keeps them.
ALTER TABLE post_features ADD COLUMN links TEXT NOT NULL DEFAULT '';
