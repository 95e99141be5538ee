-- 0029: what the learning summaries read of each post, worked out once
-- when it is archived (archive/learn: PostText, Judge), so that a summary
-- reads rows rather than parsing the MIME of every post of its year and
-- judging every sentence again: the author's own text (quotes, signature
-- and footer gone), the set of its terms for document frequencies (space
-- separated), and the judgements of its words (learn.Features bits).
-- version is learn.FeaturesVersion: a row of an older one is worked out
-- again by the next summary that reads it, as is a post archived before
-- this table (no row). A removed post's row goes with its bytes.
CREATE TABLE post_features (
    archive_id INTEGER PRIMARY KEY,
    version    INTEGER NOT NULL,
    own        TEXT NOT NULL,
    terms      TEXT NOT NULL,
    flags      INTEGER NOT NULL
);
