-- Server store: keeping the requester informed (issue 14). Settings made
-- at `wo-server init` (the SMTP relay) and by admins (the labour rate),
-- and the durable queue of messages: each written in the transaction of
-- the change it tells about, sent by the mailer with retries, never lost
-- when the relay is down.
-- The settings table (name, value) is 012's.

CREATE TABLE mail_queue (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    event       TEXT NOT NULL,      -- accepted scheduled completed closed ...
    rcpt        TEXT NOT NULL,      -- an e-mail address
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,   -- not before (retry with backoff)
    sent_at     INTEGER,
    last_error  TEXT
);
CREATE INDEX mail_due ON mail_queue(next_at) WHERE sent_at IS NULL;

-- Cost of service: parts at a price list (minor currency units).
CREATE TABLE part_prices (
    part_no     TEXT PRIMARY KEY,
    price       INTEGER NOT NULL CHECK (price >= 0)
);
