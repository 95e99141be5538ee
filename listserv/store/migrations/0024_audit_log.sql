-- 0024: the audit log of a list: every change to its settings, its roster
-- and its bans, whoever made it (an owner on the web, the command line, a
-- member's own mailed command), for `praxis list log` and the owners'
-- page /l/LIST/admin/log. actor is who (a member's address, or "command
-- line (USER)"), via how (web, cli, mail), action what kind of change
-- ("list set", "member add", …), target whom or what it was about (a
-- member's address, a ban's pattern), detail what changed. It goes with
-- its list.
CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    via     TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL DEFAULT '',
    detail  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_list ON audit_log (list_id, id);
