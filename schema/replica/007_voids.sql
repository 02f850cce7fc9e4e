-- Replica: parts and notes declared wrong by their author (issue 14), as
-- the server keeps them (voids), pending while the op is in the outbox.
CREATE TABLE voids (
    id          TEXT PRIMARY KEY,
    order_id    INTEGER NOT NULL,
    ref         TEXT NOT NULL,
    author      TEXT NOT NULL,
    at          INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    at_srv      INTEGER,
    pending     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX voids_order ON voids(order_id);
