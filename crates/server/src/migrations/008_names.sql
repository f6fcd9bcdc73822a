-- A trigram index of item names for the name filter ("name contains"), see trove-filters'
-- `NameIndex`: a contentless FTS5 table whose rowid is the item's id, and the items it has not
-- caught up with, recorded by the triggers below. `trove_filters::name_upkeep` indexes them in
-- one statement before every commit (row triggers writing FTS5 directly would flush a segment
-- per statement: minutes for a million-item import). A search of 3 characters or more reads the
-- index instead of every name.
CREATE VIRTUAL TABLE items_names USING fts5(
    name,
    content = '',
    contentless_delete = 1,
    tokenize = 'trigram case_sensitive 0'
);
INSERT INTO items_names (rowid, name) SELECT id, name FROM items ORDER BY id;

-- fresh = 1: inserted since the last upkeep (not indexed yet); 0: renamed or deleted (its old
-- name must go). A later change keeps the first kind: an item inserted then renamed is fresh.
CREATE TABLE items_names_pending (
    id    INTEGER PRIMARY KEY,
    fresh INTEGER NOT NULL
);

CREATE TRIGGER items_names_insert AFTER INSERT ON items BEGIN
    INSERT INTO items_names_pending (id, fresh) VALUES (NEW.id, 1) ON CONFLICT (id) DO NOTHING;
END;
CREATE TRIGGER items_names_delete AFTER DELETE ON items BEGIN
    INSERT INTO items_names_pending (id, fresh) VALUES (OLD.id, 0) ON CONFLICT (id) DO NOTHING;
END;
CREATE TRIGGER items_names_update AFTER UPDATE OF name ON items WHEN NEW.name IS NOT OLD.name BEGIN
    INSERT INTO items_names_pending (id, fresh) VALUES (NEW.id, 0) ON CONFLICT (id) DO NOTHING;
END;
