-- 0015: the delivery queue shared by several nodes. A node claims the
-- copies it will send: lease_node names it, and until lease_until (unix
-- seconds) no other node takes them; a node that dies stops renewing, so
-- its copies are taken over once that time has passed. An outcome is
-- written only by the node named in lease_node, so a node whose lease ran
-- out and was taken over cannot overwrite the new holder's outcome.
-- '' and 0: never claimed.
ALTER TABLE deliveries ADD COLUMN lease_node TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
