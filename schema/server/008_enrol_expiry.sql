-- Server store, version 8: enrolment codes expire. A code made from now
-- on carries the time after which it no longer enrols a device (default 7
-- days, set by `wo-server user add|code --code-ttl`); codes made before
-- have none and keep working until used.
ALTER TABLE enrol_codes ADD COLUMN expires_at INTEGER;
