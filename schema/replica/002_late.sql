-- Replica, version 2: the server's "late" mark on notes and parts (recorded
-- by a technician after the order was reassigned; docs/sync.md).
ALTER TABLE notes ADD COLUMN late INTEGER NOT NULL DEFAULT 0;
ALTER TABLE parts ADD COLUMN late INTEGER NOT NULL DEFAULT 0;
