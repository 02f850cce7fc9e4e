-- Field data (docs/protocol.md, "Field data"): presence and sync health
-- per device, delivery receipts per order and holder, the activity feed,
-- why an order is with its holder, and time zones.

ALTER TABLE devices ADD COLUMN last_seen INTEGER;      -- server ms
ALTER TABLE devices ADD COLUMN last_sync INTEGER;      -- server ms
ALTER TABLE devices ADD COLUMN cursor INTEGER;         -- change number reached
ALTER TABLE devices ADD COLUMN unsent INTEGER;         -- as last reported
ALTER TABLE devices ADD COLUMN unsent_age INTEGER;     -- ms, as last reported
ALTER TABLE devices ADD COLUMN version TEXT;
ALTER TABLE devices ADD COLUMN rejected_op TEXT;       -- its last rejected op
ALTER TABLE devices ADD COLUMN rejected_kind TEXT;
ALTER TABLE devices ADD COLUMN rejected_reason TEXT;
ALTER TABLE devices ADD COLUMN rejected_at INTEGER;

-- the last op the server rejected from a device, kept on the device
CREATE TRIGGER devices_last_rejected AFTER INSERT ON ops
WHEN new.result = 'rejected'
BEGIN
    UPDATE devices SET rejected_op = new.id, rejected_kind = new.kind,
                       rejected_reason = new.reason,
                       rejected_at = new.received_at
    WHERE id = new.device_id;
END;

CREATE TABLE receipts (
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    stored_seq  INTEGER,           -- highest change number confirmed stored
    stored_at   INTEGER,           -- server ms that confirmation came
    stored_dev  INTEGER,
    opened_at   INTEGER,           -- server ms (corrected device time)
    opened_dev  INTEGER,
    PRIMARY KEY (order_id, user_id)
);

CREATE TABLE feed (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,  -- server ms
    kind        TEXT NOT NULL,
    order_id    INTEGER,
    actor       TEXT,
    device_id   INTEGER,
    status      TEXT,
    outcome     TEXT,
    detail      TEXT
);

-- SLA alerts and locked codes are made in bulk (alerts_make): each also
-- becomes an event of the feed
CREATE TRIGGER feed_from_alerts AFTER INSERT ON alerts
BEGIN
    INSERT INTO feed(at, kind, order_id, actor, status, detail)
    SELECT new.at,
           CASE new.kind WHEN 'code.locked' THEN 'code.locked'
                WHEN 'response.75' THEN 'sla.warning'
                WHEN 'resolve.75' THEN 'sla.warning'
                ELSE 'sla.breach' END,
           new.order_id, 'system', o.status,
           CASE WHEN new.kind LIKE 'response.%' THEN 'response'
                WHEN new.kind LIKE 'resolve.%' THEN 'resolve' END
    FROM orders o WHERE o.id = new.order_id;
END;

ALTER TABLE orders ADD COLUMN came TEXT;         -- assigned|reassigned|escalated|reopened
ALTER TABLE orders ADD COLUMN came_reason TEXT;
ALTER TABLE orders ADD COLUMN came_at INTEGER;

ALTER TABLE users ADD COLUMN tz TEXT;            -- IANA zone; NULL: the server's

CREATE TABLE settings (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL
);
