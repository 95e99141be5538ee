-- 0028: nothing to do on SQLite. PostgreSQL drops the foreign key of
-- deliveries.message_id (migrations_pg/0028 says why); SQLite's check of
-- it is cheap, and changing a constraint here means rebuilding the table.
SELECT 1;
