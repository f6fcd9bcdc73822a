-- A trigram index of item names for the name filter ("name contains"), see trove-filters'
-- `NameIndex`: an external-content FTS5 table over `items.name` whose rowid is the item's id,
-- and the items it has not caught up with, recorded by the triggers below.
-- `trove_filters::name_upkeep` brings it up to date in one statement per kind before every
-- commit (row triggers writing FTS5 directly would flush a segment per statement: minutes for a
-- million-item import). A search of 3 characters or more reads the index instead of every name.
CREATE VIRTUAL TABLE items_names USING fts5(
    name,
    content = 'items',
    content_rowid = 'id',
    tokenize = 'trigram case_sensitive 0'
);
-- In id order: FTS5 appends increasing rowids cheaply ('rebuild' would read the names along
-- whichever index SQLite picks, out of id order, and take minutes).
INSERT INTO items_names (rowid, name) SELECT id, name FROM items ORDER BY id;

-- fresh = 1: inserted since the last upkeep (not indexed yet); 0: renamed or deleted, and
-- old_name is the name the index holds for it (FTS5 removes a row by its indexed text). The
-- first change since the last upkeep is kept: that is when old_name was what is indexed.
CREATE TABLE items_names_pending (
    id       INTEGER PRIMARY KEY,
    fresh    INTEGER NOT NULL,
    old_name TEXT
);

CREATE TRIGGER items_names_insert AFTER INSERT ON items BEGIN
    INSERT INTO items_names_pending (id, fresh, old_name) VALUES (NEW.id, 1, NULL) ON CONFLICT (id) DO NOTHING;
END;
CREATE TRIGGER items_names_delete AFTER DELETE ON items BEGIN
    INSERT INTO items_names_pending (id, fresh, old_name) VALUES (OLD.id, 0, OLD.name) ON CONFLICT (id) DO NOTHING;
END;
CREATE TRIGGER items_names_update AFTER UPDATE OF name ON items WHEN NEW.name IS NOT OLD.name BEGIN
    INSERT INTO items_names_pending (id, fresh, old_name) VALUES (NEW.id, 0, OLD.name) ON CONFLICT (id) DO NOTHING;
END;
