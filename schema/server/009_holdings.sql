-- Server store, version 9: every period a technician held an order, so
-- that an op is judged by the period its (corrected) time falls in. The
-- order_techs row says who holds an order now and only the latest
-- release; an order that went away and came back before its technician
-- synced needs both periods. Rows from before start at 0 (unknown) and end
-- at their release.
CREATE TABLE holdings (
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    from_at     INTEGER NOT NULL,       -- server ms it came to them
    to_at       INTEGER                 -- server ms it went; NULL: held
);
CREATE INDEX holdings_order_user ON holdings(order_id, user_id, from_at);
INSERT INTO holdings(order_id, user_id, from_at, to_at)
    SELECT order_id, user_id, 0, released_at FROM order_techs;

-- A former holder's visit that reaches the server after the order moved
-- on is kept as a fact, marked late (docs/sync.md).
ALTER TABLE visits ADD COLUMN late INTEGER NOT NULL DEFAULT 0;
