-- Client replica, version 1: the technician's partial copy of the server
-- (orders in scope and their records) plus the outbox of ops not yet acked.
--
-- Records carry pending = 1 while the op that made them is in the outbox.
-- Record tables have no foreign key to orders on purpose: when an order
-- leaves the scope (reassigned), its row goes, but records still pending
-- in the outbox stay until the server acks them (docs/sync.md).

CREATE TABLE config (
    key     TEXT PRIMARY KEY,
    value   TEXT NOT NULL
);

CREATE TABLE orders (
    id          INTEGER PRIMARY KEY,
    seq         INTEGER NOT NULL,
    title       TEXT NOT NULL,
    description TEXT,
    site        TEXT,
    asset       TEXT,
    requester   TEXT,
    contact     TEXT,
    priority    TEXT NOT NULL,
    status      TEXT NOT NULL,
    assignee    TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER
);

CREATE TABLE visits (
    id          TEXT PRIMARY KEY,
    order_id    INTEGER NOT NULL,
    tech        TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER,
    outcome     TEXT,
    pending     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX visits_order ON visits(order_id);

CREATE TABLE parts (
    id          TEXT PRIMARY KEY,
    order_id    INTEGER NOT NULL,
    author      TEXT NOT NULL,
    at          INTEGER NOT NULL,
    part_no     TEXT NOT NULL,
    qty         INTEGER NOT NULL,
    descr       TEXT,
    serials     TEXT,
    pending     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX parts_order ON parts(order_id);

CREATE TABLE notes (
    id          TEXT PRIMARY KEY,
    order_id    INTEGER NOT NULL,
    author      TEXT NOT NULL,
    at          INTEGER NOT NULL,
    body        TEXT NOT NULL,
    pending     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notes_order ON notes(order_id);

CREATE TABLE signatures (
    id          TEXT PRIMARY KEY,
    order_id    INTEGER NOT NULL,
    role        TEXT NOT NULL,
    signer      TEXT NOT NULL,
    device_id   INTEGER NOT NULL,
    signed_at   INTEGER NOT NULL,
    satisfied   INTEGER NOT NULL DEFAULT 1,
    comment     TEXT,
    statement   TEXT NOT NULL,
    sig         BLOB NOT NULL,
    verified    INTEGER NOT NULL DEFAULT 0,
    pending     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX signatures_order ON signatures(order_id);

-- The outbox: one row per local change, written in the same transaction
-- as its local effect. body is the op as msgpack (docs/protocol.md).
CREATE TABLE outbox (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    order_id    INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    at          INTEGER NOT NULL,
    body        BLOB NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending','rejected')),
    reason      TEXT
);
CREATE INDEX outbox_order ON outbox(order_id, seq);
