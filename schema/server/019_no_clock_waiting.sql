-- Server store: an order awaiting authorisation runs no SLA clock, so it
-- has no due times until it is approved (docs/lifecycle.md,
-- "Authorisation"). Orders created before this version got them at
-- creation: they lose them here; their approval sets them, as for a new
-- one.
UPDATE orders SET agreement_id = NULL, response_due = NULL,
    resolve_due = NULL, response_warn = NULL, resolve_warn = NULL
WHERE status = 'awaiting_authorisation';
