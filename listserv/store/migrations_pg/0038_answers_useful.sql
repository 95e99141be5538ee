-- 0038: the answers library's default order (most useful first) read
-- from an index, not sorted whole for every page: at a hundred times
-- the usrp archive a list has 11,216 entries, and sixteen readers of the
-- library's first page sorted them all each time.
CREATE INDEX answers_useful ON answers (list_id, score DESC, answered_at DESC, thread_id);
