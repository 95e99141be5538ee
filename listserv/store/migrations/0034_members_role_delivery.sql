-- 0034: a list's members of one role (its moderators, for every notice
-- and each minute's review pass) and of one delivery (a digest's readers,
-- asked each minute by the scheduler; a post's copies) found without
-- reading the whole roster: on a list of a million members each of those
-- reads was a walk of every member, several times a minute.
CREATE INDEX members_role ON members (list_id, role);
CREATE INDEX members_delivery ON members (list_id, delivery, status);
