-- Server store: the formal request (issue 14). An order carries its type
-- (incident or service request), a category, the requester's department
-- and a customer; its priority comes from impact x urgency through a
-- configurable matrix unless a dispatcher sets it by hand; it may have a
-- requested deadline; and it may need an authorisation before it can be
-- dispatched. SLA agreements per customer (and a default, customer '')
-- come in versions that take effect at a stated time, each with targets
-- per priority and the hours they count in (docs/lifecycle.md).

CREATE TABLE categories (
    name        TEXT PRIMARY KEY,
    needs_auth  INTEGER NOT NULL DEFAULT 0   -- its orders wait for approval
);
INSERT INTO categories(name) VALUES
    ('hardware'), ('software'), ('access'), ('network'), ('other');

CREATE TABLE customers (
    name        TEXT PRIMARY KEY,
    kind        TEXT NOT NULL DEFAULT 'internal'
                CHECK (kind IN ('internal', 'external')),
    needs_auth  INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);

-- impact x urgency -> priority; the default is the documents' P1/P2/P3:
-- company-wide or core system down (P1), one department or main function
-- (P2), one person with a workaround (P3).
CREATE TABLE priority_matrix (
    impact      TEXT NOT NULL CHECK (impact IN ('low', 'medium', 'high')),
    urgency     TEXT NOT NULL CHECK (urgency IN ('low', 'medium', 'high')),
    priority    TEXT NOT NULL CHECK (priority IN ('P1', 'P2', 'P3')),
    PRIMARY KEY (impact, urgency)
);
INSERT INTO priority_matrix VALUES
    ('high', 'high', 'P1'), ('high', 'medium', 'P1'), ('high', 'low', 'P2'),
    ('medium', 'high', 'P1'), ('medium', 'medium', 'P2'),
    ('medium', 'low', 'P3'),
    ('low', 'high', 'P2'), ('low', 'medium', 'P3'), ('low', 'low', 'P3');

ALTER TABLE orders ADD COLUMN type TEXT NOT NULL DEFAULT 'incident'
    CHECK (type IN ('incident', 'request'));
ALTER TABLE orders ADD COLUMN category TEXT NOT NULL DEFAULT 'other';
ALTER TABLE orders ADD COLUMN department TEXT;
ALTER TABLE orders ADD COLUMN customer TEXT;
ALTER TABLE orders ADD COLUMN impact TEXT;
ALTER TABLE orders ADD COLUMN urgency TEXT;
ALTER TABLE orders ADD COLUMN deadline INTEGER;          -- requested, ms
ALTER TABLE orders ADD COLUMN requester_email TEXT;
-- authorisation: who must approve, and the one-time code as its salted
-- PBKDF2 hash with the wrong attempts since it was issued (as the
-- recipient code, schema v7)
ALTER TABLE orders ADD COLUMN needs_auth INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN authoriser TEXT;
ALTER TABLE orders ADD COLUMN authoriser_email TEXT;
ALTER TABLE orders ADD COLUMN auth_salt BLOB;
ALTER TABLE orders ADD COLUMN auth_hash BLOB;
ALTER TABLE orders ADD COLUMN auth_failures INTEGER NOT NULL DEFAULT 0;
-- the agreement version that governs the order's SLA (NULL: the global
-- policy of schema v3, every hour counts), and the 75 % points of its
-- targets in counted time
ALTER TABLE orders ADD COLUMN agreement_id INTEGER;
ALTER TABLE orders ADD COLUMN response_warn INTEGER;
ALTER TABLE orders ADD COLUMN resolve_warn INTEGER;
ALTER TABLE orders ADD COLUMN remote INTEGER NOT NULL DEFAULT 0;

CREATE TABLE agreements (
    id              INTEGER PRIMARY KEY,
    customer        TEXT NOT NULL,          -- '' = the default agreement
    version         INTEGER NOT NULL,
    effective_from  INTEGER NOT NULL,       -- ms: governs orders from then
    tz              TEXT NOT NULL,
    hours           TEXT NOT NULL,          -- "24x7" or "Mon-Fri 08:00-17:00"
    holidays        TEXT NOT NULL DEFAULT '',
    review_at       INTEGER,
    p1_response     INTEGER NOT NULL, p1_resolve INTEGER NOT NULL,
    p2_response     INTEGER NOT NULL, p2_resolve INTEGER NOT NULL,
    p3_response     INTEGER NOT NULL, p3_resolve INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    created_by      TEXT NOT NULL,
    UNIQUE (customer, version)
);
CREATE INDEX agreements_in_force ON agreements(customer, effective_from);

-- Approvals and refusals: signed by the device that recorded them.
CREATE TABLE authorisations (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    name        TEXT NOT NULL,
    verdict     TEXT NOT NULL CHECK (verdict IN ('approved', 'refused')),
    reason      TEXT,
    statement   TEXT NOT NULL,
    sig         BLOB NOT NULL CHECK (length(sig) = 64),
    device_id   INTEGER NOT NULL REFERENCES devices(id),
    at          INTEGER NOT NULL
);
CREATE TRIGGER authorisations_no_update BEFORE UPDATE ON authorisations
BEGIN SELECT RAISE(ABORT, 'authorisations are append-only'); END;
CREATE TRIGGER authorisations_no_delete BEFORE DELETE ON authorisations
BEGIN SELECT RAISE(ABORT, 'authorisations are append-only'); END;
