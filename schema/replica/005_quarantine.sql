-- Replica, version 5: an outbox row that cannot be decoded is set aside
-- ('quarantined', with the reason) instead of blocking every later sync
-- (docs/sync.md). SQLite cannot change a CHECK in place, so the table is
-- rebuilt; its rows, their seq and the AUTOINCREMENT counter are kept.

CREATE TABLE outbox_new (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    order_id    INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    at          INTEGER NOT NULL,
    body        BLOB NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending','rejected','quarantined')),
    reason      TEXT
);
INSERT INTO outbox_new(seq, id, order_id, kind, at, body, state, reason)
SELECT seq, id, order_id, kind, at, body, state, reason FROM outbox;
-- the next seq continues from the old table's, even if its last rows
-- are gone
DELETE FROM sqlite_sequence WHERE name = 'outbox_new';
INSERT INTO sqlite_sequence(name, seq)
SELECT 'outbox_new', seq FROM sqlite_sequence WHERE name = 'outbox';
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_order ON outbox(order_id, seq);
