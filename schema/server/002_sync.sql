-- Server store, version 2: what sync under faults needs (docs/sync.md).

-- A note or part that a technician recorded after the order was taken
-- from them is kept, attributed to its author, and marked late.
ALTER TABLE notes ADD COLUMN late INTEGER NOT NULL DEFAULT 0;
ALTER TABLE parts ADD COLUMN late INTEGER NOT NULL DEFAULT 0;

-- When a former holder lost the order (server time, ms); NULL while held.
ALTER TABLE order_techs ADD COLUMN released_at INTEGER;

-- The device's clock offset measured when the op's connection
-- authenticated (server minus device, ms): op time + offset = server time.
ALTER TABLE ops ADD COLUMN clock_offset INTEGER NOT NULL DEFAULT 0;
