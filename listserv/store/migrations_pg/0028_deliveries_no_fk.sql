-- 0028 for PostgreSQL: a fan-out queues one deliveries row per member in
-- one INSERT … SELECT, in the transaction that moves its message on, and
-- PostgreSQL checks a foreign key with a trigger per row: 10,000 look-ups
-- of the one message row, some 40% of the statement, before the first
-- copy may leave. Every row is written with the id of the message that
-- transaction holds, and messages are never deleted, so the key guards
-- nothing the code can break. SQLite's check costs little, and stays
-- (migrations/0028).
ALTER TABLE deliveries DROP CONSTRAINT IF EXISTS deliveries_message_id_fkey;

-- A claim sets lease_node and lease_until, which no index holds: with
-- room left on each page, PostgreSQL writes the new version of the row
-- beside the old one (a HOT update) instead of a new entry in each of
-- the table's three indexes for every copy claimed. New pages only; the
-- queue's rows are short-lived.
ALTER TABLE deliveries SET (fillfactor = 70);
