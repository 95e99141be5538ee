-- 0041: each day's posts of a list, packed for the learning summaries,
-- which read a week and the Recent days before it: at a hundred times
-- usrp-users' traffic 21,400 posts, whose rows and kept features cost a
-- seek each, where a day's packs are read in one range (packs.go).
--
-- archive_days: per list and day (days since 1970-01-01, UTC), a
-- generation and how many posts the day has. archive_packs: packs of
-- some of a day's posts each, made at one generation. The packs of a
-- day's current generation are the day when their posts add up to its
-- count; otherwise the day is read from its rows and packed again. A day
-- with no row is not known yet (an archive made before 0041): read from
-- its rows. Nothing is filled in here: a day is packed the first time a
-- summary reads it, or as posts arrive. No foreign key to lists: the
-- archive outlives its list (a post may still be archived to it).
CREATE TABLE archive_days (
    list_id INTEGER NOT NULL,
    day     INTEGER NOT NULL,
    gen     INTEGER NOT NULL,
    posts   INTEGER NOT NULL,
    PRIMARY KEY (list_id, day)
);
CREATE TABLE archive_packs (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    list_id INTEGER NOT NULL,
    day     INTEGER NOT NULL,
    gen     INTEGER NOT NULL,
    posts   INTEGER NOT NULL,
    pack    BLOB NOT NULL
);
CREATE INDEX archive_packs_day ON archive_packs (list_id, day, gen);
