-- What changed since the in-memory index of counts (`facts.rs`) last read the cache: one row per
-- changed item row (what = 0), item-tag pair (1, key = tag), membership pair (2, key =
-- collection), collection whose deletion state changed (3, item = 0), or queue entry or queue
-- (4: nothing to patch, but the SQL answers the index remembers are stale). The index reads the rows
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

CREATE TRIGGER facts_member_insert AFTER INSERT ON memberships BEGIN
    INSERT INTO facts_log (what, item, key) VALUES (2, NEW.item_id, NEW.collection_id);
END;
CREATE TRIGGER facts_member_delete AFTER DELETE ON memberships BEGIN
    INSERT INTO facts_log (what, item, key) VALUES (2, OLD.item_id, OLD.collection_id);
END;

CREATE TRIGGER facts_collection_state AFTER UPDATE OF deleted_at ON collections
WHEN (NEW.deleted_at IS NULL) IS NOT (OLD.deleted_at IS NULL) BEGIN
    INSERT INTO facts_log (what, item, key) VALUES (3, 0, NEW.id);
END;
CREATE TRIGGER facts_collection_delete AFTER DELETE ON collections BEGIN
    INSERT INTO facts_log (what, item, key) VALUES (3, 0, OLD.id);
END;

CREATE TRIGGER facts_entry_insert AFTER INSERT ON queue_entries BEGIN
    INSERT INTO facts_log (what, item, key) VALUES (4, NEW.item_id, NEW.queue_id);
END;
CREATE TRIGGER facts_entry_delete AFTER DELETE ON queue_entries BEGIN
    INSERT INTO facts_log (what, item, key) VALUES (4, OLD.item_id, OLD.queue_id);
END;
CREATE TRIGGER facts_entry_update AFTER UPDATE OF status ON queue_entries BEGIN
    INSERT INTO facts_log (what, item, key) VALUES (4, NEW.item_id, NEW.queue_id);
END;
CREATE TRIGGER facts_queue_update AFTER UPDATE ON queues BEGIN
    INSERT INTO facts_log (what, item, key) VALUES (4, 0, NEW.id);
END;
