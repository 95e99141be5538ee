-- 0032: moderators' corrections of the answers library (issue 17): mark a
-- thread answered or not, pick another post as its best answer, retitle
-- its entry. Each is kept with who made it and when, and the library
-- applies them, oldest first, every time it judges the thread, so they
-- outlast a judgement made again (new posts, a reindex, new rules).
CREATE TABLE answer_edits (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    list_id   INTEGER NOT NULL,
    thread_id TEXT NOT NULL,
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    value     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX answer_edits_thread ON answer_edits (list_id, thread_id, id);
