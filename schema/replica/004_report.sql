-- Replica, version 4: what a service report needs offline
-- (docs/report.md): the SLA targets and clocks the server sent with each
-- order, and the Ed25519 public keys of the devices that signed the
-- orders it holds, so signatures verify on the laptop with no network.

CREATE TABLE order_sla (
    order_id     INTEGER PRIMARY KEY,
    tier         TEXT,
    sla_version  INTEGER,
    response_due INTEGER,
    resolve_due  INTEGER,
    responded_at INTEGER,
    resolved_at  INTEGER,
    paused_at    INTEGER,
    completed_at INTEGER
);

-- an order leaving the replica takes its SLA row with it
CREATE TRIGGER order_sla_ad AFTER DELETE ON orders BEGIN
    DELETE FROM order_sla WHERE order_id = old.id;
END;

-- keys are never secret and never change for a device id
CREATE TABLE device_keys (
    device_id   INTEGER PRIMARY KEY,
    pubkey      BLOB NOT NULL CHECK (length(pubkey) = 32)
);
