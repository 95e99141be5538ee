-- 0015 for PostgreSQL: the schema of migrations/0015_delivery_leases.sql,
-- which says what it is for.
ALTER TABLE deliveries ADD COLUMN lease_node TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
