-- Replica, version 3: the next visit's window that a dispatcher set, and
-- past resolutions of the assets on the technician's orders, searchable
-- offline with FTS5 (docs/lifecycle.md).

ALTER TABLE orders ADD COLUMN visit_start INTEGER;
ALTER TABLE orders ADD COLUMN visit_end INTEGER;

-- Closed orders as the server sent them: what the problem was and what
-- was done (notes and parts, newline-joined).
CREATE TABLE past (
    id          INTEGER PRIMARY KEY,
    seq         INTEGER NOT NULL,
    title       TEXT NOT NULL,
    problem     TEXT,
    site        TEXT,
    asset       TEXT,
    closed_at   INTEGER,
    notes       TEXT,
    parts       TEXT
);
CREATE INDEX past_asset ON past(asset);

CREATE VIRTUAL TABLE past_fts USING fts5(
    title, problem, notes, parts,
    content = 'past', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER past_ai AFTER INSERT ON past BEGIN
    INSERT INTO past_fts(rowid, title, problem, notes, parts)
    VALUES (new.id, new.title, new.problem, new.notes, new.parts);
END;
CREATE TRIGGER past_ad AFTER DELETE ON past BEGIN
    INSERT INTO past_fts(past_fts, rowid, title, problem, notes, parts)
    VALUES ('delete', old.id, old.title, old.problem, old.notes, old.parts);
END;
CREATE TRIGGER past_au AFTER UPDATE ON past BEGIN
    INSERT INTO past_fts(past_fts, rowid, title, problem, notes, parts)
    VALUES ('delete', old.id, old.title, old.problem, old.notes, old.parts);
    INSERT INTO past_fts(rowid, title, problem, notes, parts)
    VALUES (new.id, new.title, new.problem, new.notes, new.parts);
END;
