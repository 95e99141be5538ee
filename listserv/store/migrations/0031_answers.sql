-- 0031: the answers library (issue 17; archive/answers). One row per
-- thread of a list whose question got an answer the community accepted
-- (its asker confirmed or thanked it, as the summaries judge), made from
-- the thread's posts and their features (0029): the question in its own
-- words, the best answer's gist and who gave it, key terms, dates, and a
-- usefulness score; answer_key is who gave the answer as the archive
-- tells people apart (mailmsg.AuthorKey), for "who knows what". answers_state.upto_id is the last archive id whose
-- thread was judged: the library brings itself up to date from there. A
-- removed post takes its thread's entry with it.
CREATE TABLE answers (
    list_id     INTEGER NOT NULL,
    thread_id   TEXT NOT NULL,
    question_id TEXT NOT NULL,
    answer_id   TEXT NOT NULL,
    title       TEXT NOT NULL,
    question    TEXT NOT NULL,
    gist        TEXT NOT NULL,
    asker       TEXT NOT NULL,
    answer_by   TEXT NOT NULL,
    answer_key  TEXT NOT NULL DEFAULT '',
    terms       TEXT NOT NULL,
    asked_at    BIGINT NOT NULL,
    answered_at BIGINT NOT NULL,
    score       REAL NOT NULL,
    PRIMARY KEY (list_id, thread_id)
);
CREATE INDEX answers_answered ON answers (list_id, answered_at);
CREATE TABLE answers_state (
    list_id INTEGER PRIMARY KEY,
    upto_id BIGINT NOT NULL
);
