-- 0034 for PostgreSQL: the indexes of migrations/0034_members_role_delivery.sql,
-- which says what they are for.
CREATE INDEX members_role ON members (list_id, role);
CREATE INDEX members_delivery ON members (list_id, delivery, status);
