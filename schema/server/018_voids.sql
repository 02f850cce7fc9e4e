-- Server store: a part or note declared wrong by its author (issue 14).
-- The record stays; a void names it, with the reason, and is itself a
-- record that signed statements list (docs/protocol.md, "Signed
-- statements"). One void per record; append-only like the history.
CREATE TABLE voids (
    id          TEXT PRIMARY KEY,          -- the op id that made it
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    ref         TEXT NOT NULL UNIQUE,      -- the part or note
    author      TEXT NOT NULL,
    device_id   INTEGER NOT NULL REFERENCES devices(id),
    at          INTEGER NOT NULL,          -- device clock (statements hash it)
    reason      TEXT NOT NULL,
    at_srv      INTEGER                    -- as the server judged it
);
CREATE INDEX voids_order ON voids(order_id);
CREATE TRIGGER voids_no_update BEFORE UPDATE ON voids
BEGIN SELECT RAISE(ABORT, 'voids are append-only'); END;
CREATE TRIGGER voids_no_delete BEFORE DELETE ON voids
BEGIN SELECT RAISE(ABORT, 'voids are append-only'); END;
