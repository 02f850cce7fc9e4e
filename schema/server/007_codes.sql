-- Server store, version 7: recipient confirmation codes at rest and their
-- guesses. A code is kept as a salted PBKDF2 hash (the clear code is shown
-- once, to the dispatcher who opened or reissued it; older clear codes are
-- hashed by store_open() and blanked), with the count of wrong codes sent
-- since it was issued: co-signing locks at the limit (server/ops.c) until
-- a dispatcher issues a new code, and the office gets an alert of a new
-- kind, code.locked.
ALTER TABLE orders ADD COLUMN code_salt BLOB;
ALTER TABLE orders ADD COLUMN code_hash BLOB;
ALTER TABLE orders ADD COLUMN code_failures INTEGER NOT NULL DEFAULT 0;

-- A CHECK cannot be altered in SQLite: the alerts table is rebuilt with
-- the new kind. The SLA kinds stay once per order (alerts_make relies on
-- it); a code can be locked again after it is reissued.
DROP TRIGGER alerts_no_update;
DROP TRIGGER alerts_no_delete;
CREATE TABLE alerts_v7 (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    kind        TEXT NOT NULL CHECK (kind IN ('response.75', 'response.breach',
                                              'resolve.75', 'resolve.breach',
                                              'code.locked')),
    at          INTEGER NOT NULL
);
INSERT INTO alerts_v7(id, order_id, kind, at)
    SELECT id, order_id, kind, at FROM alerts;
DROP TABLE alerts;
ALTER TABLE alerts_v7 RENAME TO alerts;
CREATE UNIQUE INDEX alerts_sla_once ON alerts(order_id, kind)
    WHERE kind <> 'code.locked';
CREATE TRIGGER alerts_no_update BEFORE UPDATE ON alerts
BEGIN SELECT RAISE(ABORT, 'alerts are append-only'); END;
CREATE TRIGGER alerts_no_delete BEFORE DELETE ON alerts
BEGIN SELECT RAISE(ABORT, 'alerts are append-only'); END;
