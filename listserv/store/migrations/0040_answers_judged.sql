-- 0040: what the last judgement written of each thread of the answers
-- library had read: the thread's last post (archive id) and how many
-- corrections (answer_edits rows: PostgreSQL hands out their ids before
-- the commit, so a later id may be read before an earlier one, where the
-- count of what was read only grows). Two nodes (or a making and
-- a moderator's correction) may judge one thread at once; the one that
-- read less could write last and leave a stale entry, or take away an
-- entry, until the thread got another post. An entry is now written or
-- taken away only by a judgement that read at least as much as the
-- last one written (PutAnswers). A post's removal deletes its thread's
-- row with its entry: the next judgement reads less of the thread, and is
-- written.
CREATE TABLE answers_judged (
    list_id   INTEGER NOT NULL,
    thread_id TEXT NOT NULL,
    post_id   BIGINT NOT NULL,
    edits     BIGINT NOT NULL,
    PRIMARY KEY (list_id, thread_id)
);
