-- Server store, version 21: the orders a technician was released from,
-- found by technician. A catch-up revokes the orders that left the
-- technician's scope after the laptop's cursor (reassigned away, closed,
-- cancelled) from these rows and the orders' seqs, so a laptop holding
-- more orders than its `have` list can name (1,000 ids) still drops
-- every one that is no longer theirs.
CREATE INDEX order_techs_released ON order_techs(user_id)
    WHERE released_at IS NOT NULL;
