-- 0026: spam kept off the lists (README "Keeping spam out"). Per list,
-- what happens to a live post the checks flag: spam_action above the
-- content filter's score (spam_score; 0 takes the filter's own threshold),
-- blocklist_action when the connecting address is on a --dnsbl zone,
-- spf_fail_action when the envelope sender's SPF record says fail. Each is
-- hold, discard, reject (refused at DATA with 550) or accept (the check
-- does nothing on this list); a member's post is at most held whatever
-- they say. messages.spam is what the checks found when the post came, as
-- JSON (store.Spam), '' for mail no check looked at (imports, notices,
-- mail from before): the checks run once, before the 250, and the rules
-- read their findings with the list's settings of the moment.
ALTER TABLE lists ADD COLUMN spam_action TEXT NOT NULL DEFAULT 'hold';
ALTER TABLE lists ADD COLUMN spam_score REAL NOT NULL DEFAULT 0;
ALTER TABLE lists ADD COLUMN blocklist_action TEXT NOT NULL DEFAULT 'reject';
ALTER TABLE lists ADD COLUMN spf_fail_action TEXT NOT NULL DEFAULT 'reject';
ALTER TABLE messages ADD COLUMN spam TEXT NOT NULL DEFAULT '';
