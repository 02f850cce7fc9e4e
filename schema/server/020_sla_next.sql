-- Server store, version 20: each open order keeps the time its next SLA
-- alert falls due (sla_next; NULL when none is left to make), so that the
-- tick (every 500 ms) reads only the orders with an alert due. Before,
-- it weighed the four SLA tests for every open order at every tick: an
-- order past its breach stayed in that work until it closed, and 10,000
-- open orders cost the server 1.8 % of a core at rest.

-- The alerts an order has still to make, each with its due time (NULL
-- while that time is unknown). Alerts are append-only and policies are
-- versioned: an order's row and its alerts decide this alone.
CREATE VIEW sla_pending(order_id, kind, due) AS
SELECT o.id, k.kind,
       CASE k.kind
       WHEN 'response.75'
            THEN coalesce(o.response_warn, o.response_due - p.response_ms / 4)
       WHEN 'response.breach' THEN o.response_due
       WHEN 'resolve.75'
            THEN coalesce(o.resolve_warn, o.resolve_due - p.resolve_ms / 4)
       ELSE o.resolve_due END
FROM orders o
JOIN sla_policies p ON p.version = o.sla_version AND p.priority = o.priority
JOIN (SELECT 'response.75' AS kind UNION ALL SELECT 'response.breach'
      UNION ALL SELECT 'resolve.75' UNION ALL SELECT 'resolve.breach') k
WHERE o.status NOT IN ('closed', 'cancelled', 'awaiting_authorisation')
  AND CASE WHEN k.kind IN ('response.75', 'response.breach')
           THEN o.responded_at IS NULL
           ELSE o.resolved_at IS NULL AND o.paused_at IS NULL END
  AND NOT EXISTS (SELECT 1 FROM alerts a
                  WHERE a.order_id = o.id AND a.kind = k.kind
                    AND a.kind <> 'code.locked'); -- alerts_sla_once's WHERE

ALTER TABLE orders ADD COLUMN sla_next INTEGER;
CREATE INDEX orders_sla_next ON orders(sla_next) WHERE sla_next IS NOT NULL;

-- Kept by the store itself: an order made, or a change to anything the
-- view reads from its row. The tick moves it on past the alerts it made
-- (alerts_made).
CREATE TRIGGER orders_sla_next_ai AFTER INSERT ON orders BEGIN
    UPDATE orders SET sla_next = (SELECT min(due) FROM sla_pending
                                  WHERE order_id = new.id)
    WHERE id = new.id;
END;
CREATE TRIGGER orders_sla_next_au AFTER UPDATE OF status, priority,
    sla_version, responded_at, resolved_at, paused_at, response_due,
    resolve_due, response_warn, resolve_warn ON orders BEGIN
    UPDATE orders SET sla_next = (SELECT min(due) FROM sla_pending
                                  WHERE order_id = new.id)
    WHERE id = new.id;
END;

UPDATE orders SET sla_next = (SELECT min(due) FROM sla_pending
                              WHERE order_id = orders.id)
WHERE status NOT IN ('closed', 'cancelled', 'awaiting_authorisation');
