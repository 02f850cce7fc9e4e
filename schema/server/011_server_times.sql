-- Server store, version 11: each record's time as the server judged it
-- (docs/sync.md, "Device time"), beside the device's own, which stays in
-- started_at/ended_at/at because the signed statements hash it. NULL for
-- records from before: the office then sees the device's time alone.
ALTER TABLE visits ADD COLUMN started_srv INTEGER;
ALTER TABLE visits ADD COLUMN ended_srv INTEGER;
ALTER TABLE parts ADD COLUMN at_srv INTEGER;
ALTER TABLE notes ADD COLUMN at_srv INTEGER;
