-- 0033: the spool's posts found by Message-ID within their list: the
-- suggester (listserv/suggest) asks whether a question came through the
-- list (a post spooled) or by an import, which mails nobody.
CREATE INDEX messages_msgid ON messages (list_id, message_id);
