-- Server store, version 1. The server is authoritative: every table here
-- is the truth that technicians' replicas converge to.

CREATE TABLE users (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('technician','dispatcher','admin')),
    tier        TEXT NOT NULL DEFAULT 'L1' CHECK (tier IN ('L1','L2','L3')),
    created_at  INTEGER NOT NULL
);

-- One-time enrolment codes; only their SHA-256 is stored.
CREATE TABLE enrol_codes (
    code_hash   BLOB PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    used_at     INTEGER
);

CREATE TABLE devices (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    pubkey      BLOB NOT NULL UNIQUE CHECK (length(pubkey) = 32),
    name        TEXT,
    enrolled_at INTEGER NOT NULL,
    revoked_at  INTEGER
);

-- The change sequence: every change to a work order takes the next seq.
-- It is also the order's audit trail (who, which device, when).
CREATE TABLE changes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id    INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    actor       TEXT NOT NULL,
    device_id   INTEGER,
    at          INTEGER NOT NULL,      -- server time, ms
    client_at   INTEGER,               -- device time, ms, for ops
    detail      TEXT
);
CREATE INDEX changes_order ON changes(order_id, seq);

CREATE TABLE orders (
    id             INTEGER PRIMARY KEY,
    title          TEXT NOT NULL,
    description    TEXT,
    site           TEXT,
    asset          TEXT,
    requester      TEXT,
    contact        TEXT,
    priority       TEXT NOT NULL CHECK (priority IN ('P1','P2','P3')),
    status         TEXT NOT NULL,
    assignee_id    INTEGER REFERENCES users(id),
    recipient_code TEXT NOT NULL,
    created_by     INTEGER NOT NULL REFERENCES users(id),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    seq            INTEGER NOT NULL        -- changes.seq of the last change
);
CREATE INDEX orders_scope ON orders(assignee_id, seq);

-- Every technician who has held an order: they may still add notes and
-- parts recorded while they held it (docs/sync.md).
CREATE TABLE order_techs (
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    since_seq   INTEGER NOT NULL,
    PRIMARY KEY (order_id, user_id)
);

-- Append-only records. Ids are the client-made op ids that created them.
CREATE TABLE visits (
    id          TEXT PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    tech        TEXT NOT NULL,
    device_id   INTEGER NOT NULL REFERENCES devices(id),
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER,
    outcome     TEXT
);
CREATE INDEX visits_order ON visits(order_id);

CREATE TABLE parts (
    id          TEXT PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    author      TEXT NOT NULL,
    device_id   INTEGER NOT NULL REFERENCES devices(id),
    at          INTEGER NOT NULL,
    part_no     TEXT NOT NULL,
    qty         INTEGER NOT NULL CHECK (qty > 0),
    descr       TEXT,
    serials     TEXT          -- newline-separated; serials hold no newline
);
CREATE INDEX parts_order ON parts(order_id);

CREATE TABLE notes (
    id          TEXT PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    author      TEXT NOT NULL,
    device_id   INTEGER NOT NULL REFERENCES devices(id),
    at          INTEGER NOT NULL,
    body        TEXT NOT NULL
);
CREATE INDEX notes_order ON notes(order_id);

CREATE TABLE signatures (
    id          TEXT PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    role        TEXT NOT NULL CHECK (role IN ('technician','recipient')),
    signer      TEXT NOT NULL,
    device_id   INTEGER NOT NULL REFERENCES devices(id),
    signed_at   INTEGER NOT NULL,
    satisfied   INTEGER NOT NULL DEFAULT 1,
    comment     TEXT,
    statement   TEXT NOT NULL,
    sig         BLOB NOT NULL CHECK (length(sig) = 64)
);
CREATE INDEX signatures_order ON signatures(order_id);

-- Every op ever received, by idempotency key: a replay is a duplicate.
CREATE TABLE ops (
    id          TEXT PRIMARY KEY,
    device_id   INTEGER NOT NULL REFERENCES devices(id),
    order_id    INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    client_at   INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    result      TEXT NOT NULL CHECK (result IN ('applied','rejected')),
    reason      TEXT
);
CREATE INDEX ops_order_rejected ON ops(order_id) WHERE result = 'rejected';

-- History is append-only through every interface.
CREATE TRIGGER changes_no_update BEFORE UPDATE ON changes
BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
CREATE TRIGGER changes_no_delete BEFORE DELETE ON changes
BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
