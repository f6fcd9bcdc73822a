-- A trigram index of item names for the name filter ("name contains"): an external-content
-- FTS5 table over `items.name` whose rowid is the item's id (trove-filters' `NameIndex`), kept
-- current by the triggers below, and filled from the items already there. A search of 3
-- characters or more reads the index instead of every name (`trove_filters::name_contains`).
CREATE VIRTUAL TABLE items_names USING fts5(
    name,
    content = 'items',
    content_rowid = 'id',
    tokenize = 'trigram case_sensitive 0'
);
INSERT INTO items_names (items_names) VALUES ('rebuild');

CREATE TRIGGER items_names_insert AFTER INSERT ON items BEGIN
    INSERT INTO items_names (rowid, name) VALUES (NEW.id, NEW.name);
END;
CREATE TRIGGER items_names_delete AFTER DELETE ON items BEGIN
    INSERT INTO items_names (items_names, rowid, name) VALUES ('delete', OLD.id, OLD.name);
END;
CREATE TRIGGER items_names_update AFTER UPDATE OF name ON items BEGIN
    INSERT INTO items_names (items_names, rowid, name) VALUES ('delete', OLD.id, OLD.name);
    INSERT INTO items_names (rowid, name) VALUES (NEW.id, NEW.name);
END;
