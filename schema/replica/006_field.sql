-- Replica, version 6: field data (docs/protocol.md, "Field data"): why an
-- order came to this technician, and when they first opened each order
-- (recorded offline, sent as a delivery receipt at the next sync).

ALTER TABLE orders ADD COLUMN came TEXT;
ALTER TABLE orders ADD COLUMN came_reason TEXT;
ALTER TABLE orders ADD COLUMN came_at INTEGER;

CREATE TABLE opened (
    order_id    INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,      -- device clock, ms
    sent        INTEGER NOT NULL DEFAULT 0
);
