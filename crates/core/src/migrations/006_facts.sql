-- What changed since the in-memory index of counts (`facts.rs`) last read the cache: one row per
-- changed item row (what = 0), item-tag pair (1, key = tag), membership pair (2, key =
-- collection), collection made, deleted or restored (3, item = 0), or collection whose members
-- changed in bulk (5, item = 0). Queue entries are not logged: the index asks SQL for queue
-- statuses every time. The index reads the rows
-- past the last it applied and re-reads only what they name; `Store::write` deletes the rows it
-- has applied but the last, so that a sequence number is never reused (a plain rowid is one past
-- the largest; AUTOINCREMENT would cost a write to sqlite_sequence per row of a bulk add).
CREATE TABLE facts_log (
    seq  INTEGER PRIMARY KEY,
    what INTEGER NOT NULL,
    item INTEGER NOT NULL,
    key  INTEGER NOT NULL
);

CREATE TRIGGER facts_item_insert AFTER INSERT ON items BEGIN
    INSERT INTO facts_log (what, item, key) VALUES (0, NEW.id, 0);
END;
CREATE TRIGGER facts_item_delete AFTER DELETE ON items BEGIN
    INSERT INTO facts_log (what, item, key) VALUES (0, OLD.id, 0);
END;
CREATE TRIGGER facts_item_update
AFTER UPDATE OF project_id, dataset_id, kind, name, size, width, height, labels_count, created_at, updated_at ON items BEGIN
    INSERT INTO facts_log (what, item, key) VALUES (0, NEW.id, 0);
END;

CREATE TRIGGER facts_tag_insert AFTER INSERT ON item_tags BEGIN
    INSERT INTO facts_log (what, item, key) VALUES (1, NEW.item_id, NEW.tag_id);
END;
CREATE TRIGGER facts_tag_delete AFTER DELETE ON item_tags BEGIN
    INSERT INTO facts_log (what, item, key) VALUES (1, OLD.item_id, OLD.tag_id);
END;

-- Memberships have no trigger: a row trigger costs ~3.7 µs per row, 3.7 s of a million-item
-- add. Each statement that inserts or deletes memberships logs them itself, set-based, in its
-- transaction (`facts::members_changed`): pairs (2), or for a bulk change the whole collection
-- (5, item = 0), which the index re-reads.

CREATE TRIGGER facts_collection_state AFTER UPDATE OF deleted_at ON collections
WHEN (NEW.deleted_at IS NULL) IS NOT (OLD.deleted_at IS NULL) BEGIN
    INSERT INTO facts_log (what, item, key) VALUES (3, 0, NEW.id);
END;
CREATE TRIGGER facts_collection_insert AFTER INSERT ON collections BEGIN
    INSERT INTO facts_log (what, item, key) VALUES (3, 0, NEW.id);
END;
CREATE TRIGGER facts_collection_delete AFTER DELETE ON collections BEGIN
    INSERT INTO facts_log (what, item, key) VALUES (3, 0, OLD.id);
END;
