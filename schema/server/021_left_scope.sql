-- Server store, version 21: a technician's release from an order keeps
-- the seq of the change that released them, indexed by technician. A
-- catch-up revokes the orders that left the technician's scope after the
-- laptop's cursor (released to another, closed, cancelled) from these
-- rows and the orders' seqs, reading only what changed since the cursor,
-- so a laptop holding more orders than its `have` list can name (1,000
-- ids) still drops every one that is no longer theirs. Releases before
-- this version have none, and are left to the have list.
ALTER TABLE order_techs ADD COLUMN released_seq INTEGER;
CREATE INDEX order_techs_released ON order_techs(user_id, released_seq)
    WHERE released_seq IS NOT NULL;
