-- 0028 for PostgreSQL: a fan-out queues one deliveries row per member in
-- one INSERT … SELECT, in the transaction that moves its message on, and
-- PostgreSQL checks a foreign key with a trigger per row: 10,000 look-ups
-- of the one message row, some 40% of the statement, before the first
-- copy may leave. Every row is written with the id of the message that
-- transaction holds, and messages are never deleted, so the key guards
-- nothing the code can break. SQLite's check costs little, and stays
-- (migrations/0028).
ALTER TABLE deliveries DROP CONSTRAINT IF EXISTS deliveries_message_id_fkey;
