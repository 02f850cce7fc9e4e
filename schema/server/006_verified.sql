-- Server store, version 6: a signature's verdict is kept. Each signing op
-- is verified once, when it is applied (server/verify.c), and only one
-- that verifies is inserted; pushes and catch-ups send this verdict
-- instead of running Ed25519 again for every signature of every order
-- they send. Every row already here passed that check, hence the default.
ALTER TABLE signatures ADD COLUMN verified INTEGER NOT NULL DEFAULT 1;
