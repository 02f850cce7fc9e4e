-- Server store, version 4: the next visit's window, escalation on breach
-- in force, and the knowledge base of past resolutions (docs/lifecycle.md).

-- The window a dispatcher scheduled for the next visit (server ms); both
-- NULL when none is scheduled. A visit that starts uses it up.
ALTER TABLE orders ADD COLUMN visit_start INTEGER;
ALTER TABLE orders ADD COLUMN visit_end INTEGER;

-- sla_policies.escalate (version 3) is now acted on: a breach of an order
-- opened under a policy with escalate = 1 moves it one tier up.

-- Past resolutions: one row per closed order, rowid = order id, with the
-- problem as reported and what was done (notes, parts). Closed is final,
-- so a row is written when the order closes and rewritten only when a
-- late note or part lands on it.
CREATE VIRTUAL TABLE knowledge USING fts5(
    title, problem, notes, parts, asset UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER knowledge_on_close AFTER UPDATE OF status ON orders
WHEN new.status = 'closed' AND old.status <> 'closed'
BEGIN
    INSERT INTO knowledge(rowid, title, problem, notes, parts, asset)
    SELECT new.id, new.title, new.description,
           (SELECT group_concat(body, char(10)) FROM notes
            WHERE order_id = new.id),
           (SELECT group_concat(part_no || ' ' || coalesce(descr, ''), char(10))
            FROM parts WHERE order_id = new.id),
           new.asset;
END;

CREATE TRIGGER knowledge_late_note AFTER INSERT ON notes
WHEN (SELECT status FROM orders WHERE id = new.order_id) = 'closed'
BEGIN
    UPDATE knowledge SET notes = (SELECT group_concat(body, char(10))
                                  FROM notes WHERE order_id = new.order_id)
    WHERE rowid = new.order_id;
END;

CREATE TRIGGER knowledge_late_part AFTER INSERT ON parts
WHEN (SELECT status FROM orders WHERE id = new.order_id) = 'closed'
BEGIN
    UPDATE knowledge
    SET parts = (SELECT group_concat(part_no || ' ' || coalesce(descr, ''),
                                     char(10))
                 FROM parts WHERE order_id = new.order_id)
    WHERE rowid = new.order_id;
END;

-- Orders closed before this version.
INSERT INTO knowledge(rowid, title, problem, notes, parts, asset)
SELECT o.id, o.title, o.description,
       (SELECT group_concat(body, char(10)) FROM notes WHERE order_id = o.id),
       (SELECT group_concat(part_no || ' ' || coalesce(descr, ''), char(10))
        FROM parts WHERE order_id = o.id),
       o.asset
FROM orders o WHERE o.status = 'closed';

-- Closed orders by asset, newest first: what a technician's replica gets.
CREATE INDEX orders_asset ON orders(asset, seq) WHERE status = 'closed';

-- Reports: orders opened in a period, visits of a technician in one.
CREATE INDEX orders_created ON orders(created_at);
CREATE INDEX visits_tech ON visits(tech, started_at);
