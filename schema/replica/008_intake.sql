-- Replica: the formal request's fields the server sends with each order
-- (issue 14), so the technician sees on site what kind of job it is, for
-- whom and by when.
CREATE TABLE order_intake (
    order_id    INTEGER PRIMARY KEY,
    type        TEXT,
    category    TEXT,
    department  TEXT,
    customer    TEXT,
    impact      TEXT,
    urgency     TEXT,
    deadline    INTEGER,
    remote      INTEGER NOT NULL DEFAULT 0
);
CREATE TRIGGER order_intake_ad AFTER DELETE ON orders BEGIN
    DELETE FROM order_intake WHERE order_id = old.id;
END;
