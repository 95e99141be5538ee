-- 0033 for PostgreSQL: the index of migrations/0033_messages_msgid.sql,
-- which says what it is for.
CREATE INDEX messages_msgid ON messages (list_id, message_id);
