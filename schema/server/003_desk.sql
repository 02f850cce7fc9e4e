-- Server store, version 3: the service desk's rules (docs/lifecycle.md):
-- SLA policies and clocks, alerts, support tiers, completion time for the
-- 24 h closure, and history that cannot be edited.

-- Versioned SLA targets. An edit inserts a new version (all three
-- priorities); an order keeps the version it was opened under.
CREATE TABLE sla_policies (
    version     INTEGER NOT NULL,
    priority    TEXT NOT NULL CHECK (priority IN ('P1','P2','P3')),
    response_ms INTEGER NOT NULL CHECK (response_ms > 0),
    resolve_ms  INTEGER NOT NULL CHECK (resolve_ms > 0),
    escalate    INTEGER NOT NULL DEFAULT 0,  -- a breach escalates (acted on from v4)
    created_at  INTEGER NOT NULL,
    created_by  TEXT NOT NULL,
    PRIMARY KEY (version, priority)
);
INSERT INTO sla_policies VALUES
    (1, 'P1',   900000,  14400000, 0, 0, 'default'),   -- 15 min / 4 h
    (1, 'P2',  3600000,  28800000, 0, 0, 'default'),   -- 1 h / 8 h
    (1, 'P3', 14400000, 172800000, 0, 0, 'default');   -- 4 h / 48 h

-- SLA clock of each order, server time in ms. Events count at the
-- technician's corrected device time (docs/lifecycle.md).
ALTER TABLE orders ADD COLUMN sla_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE orders ADD COLUMN response_due INTEGER;
ALTER TABLE orders ADD COLUMN resolve_due INTEGER;   -- moves on while paused
ALTER TABLE orders ADD COLUMN responded_at INTEGER;  -- accept
ALTER TABLE orders ADD COLUMN resolved_at INTEGER;   -- technician signed
ALTER TABLE orders ADD COLUMN paused_at INTEGER;     -- awaiting the customer
ALTER TABLE orders ADD COLUMN completed_at INTEGER;  -- 24 h closure counts from here
ALTER TABLE orders ADD COLUMN tier TEXT NOT NULL DEFAULT 'L1'
    CHECK (tier IN ('L1','L2','L3'));
UPDATE orders SET
    response_due = created_at + (SELECT response_ms FROM sla_policies p
                                 WHERE p.version = 1
                                   AND p.priority = orders.priority),
    resolve_due = created_at + (SELECT resolve_ms FROM sla_policies p
                                WHERE p.version = 1
                                  AND p.priority = orders.priority);
CREATE INDEX orders_completed ON orders(completed_at) WHERE status = 'completed';

-- Alerts to dispatchers: each (order, kind) made once, numbered so that a
-- dispatcher's client resumes after the last one it saw.
CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    kind        TEXT NOT NULL CHECK (kind IN ('response.75', 'response.breach',
                                              'resolve.75', 'resolve.breach')),
    at          INTEGER NOT NULL,
    UNIQUE (order_id, kind)
);

-- Ops are evidence as much as the history is.
CREATE TRIGGER ops_no_update BEFORE UPDATE ON ops
BEGIN SELECT RAISE(ABORT, 'ops are append-only'); END;
CREATE TRIGGER ops_no_delete BEFORE DELETE ON ops
BEGIN SELECT RAISE(ABORT, 'ops are append-only'); END;
CREATE TRIGGER alerts_no_update BEFORE UPDATE ON alerts
BEGIN SELECT RAISE(ABORT, 'alerts are append-only'); END;
CREATE TRIGGER alerts_no_delete BEFORE DELETE ON alerts
BEGIN SELECT RAISE(ABORT, 'alerts are append-only'); END;
