-- Server store, version 10: secrets the server keeps for itself. The
-- "anchor" key signs the time anchors it hands each device at
-- authentication (server/handle_auth.c), so that an op's anchor can be
-- trusted without a write per connection (docs/sync.md, "Device time").
CREATE TABLE server_secrets (
    name        TEXT PRIMARY KEY,
    secret      BLOB NOT NULL CHECK (length(secret) = 32)
);
