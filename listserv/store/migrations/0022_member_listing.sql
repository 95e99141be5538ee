-- 0022: two of a member's own settings (SPEC: `set listing on|off`, `set
-- suggestions on|off`, and the web's /settings). listed: the member
-- appears, with their expertise, on the list's "who knows what" page; off
-- until they opt in. suggestions_off: a question they ask gets no private
-- mail of related answered threads (--suggest-related); such mail is sent
-- unless they turn it off. Both default to what a new member has, so a
-- row added without them is right.
ALTER TABLE members ADD COLUMN listed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN suggestions_off INTEGER NOT NULL DEFAULT 0;
