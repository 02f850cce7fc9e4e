-- Server store, version 5: the SLA tick (every 500 ms) looks only at open
-- orders. Without this index it read every order ever closed too, so its
-- cost grew with the store's age rather than with the open work.
CREATE INDEX orders_open ON orders(status)
    WHERE status NOT IN ('closed', 'cancelled');
