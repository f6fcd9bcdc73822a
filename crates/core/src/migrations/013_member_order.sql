-- A collection's order in a table of its own (issue 13): `memberships` is keyed by
-- (collection, item), `member_order` by (collection, position, item). A bulk add writes each
-- table in its own key order (the rows by item id, the order by selection rank), so neither
-- is written at random places; with the order as an index of `memberships`, one of the two
-- always was, and a million-item add spent most of its time there.
--
-- The triggers keep the order equal to the rows' positions for every row-at-a-time write. A
-- bulk statement runs without the one it would fire (`facts::quietly`) and writes the order
-- itself, set-based (`cache::sets`). The index by item goes too: the item's collections are
-- found from the project's collections (`items::detail`), few per project.
CREATE TABLE member_order (
    collection_id INTEGER NOT NULL,
    position      TEXT NOT NULL,
    item_id       INTEGER NOT NULL,
    PRIMARY KEY (collection_id, position, item_id)
) WITHOUT ROWID;
INSERT INTO member_order (collection_id, position, item_id)
    SELECT collection_id, position, item_id FROM memberships ORDER BY collection_id, position, item_id;
DROP INDEX memberships_in_order;
DROP INDEX memberships_by_item;
CREATE TRIGGER member_order_insert AFTER INSERT ON memberships BEGIN
    INSERT INTO member_order (collection_id, position, item_id) VALUES (NEW.collection_id, NEW.position, NEW.item_id);
END;
CREATE TRIGGER member_order_delete AFTER DELETE ON memberships BEGIN
    DELETE FROM member_order WHERE collection_id = OLD.collection_id AND position = OLD.position AND item_id = OLD.item_id;
END;
CREATE TRIGGER member_order_update AFTER UPDATE OF collection_id, item_id, position ON memberships BEGIN
    DELETE FROM member_order WHERE collection_id = OLD.collection_id AND position = OLD.position AND item_id = OLD.item_id;
    INSERT INTO member_order (collection_id, position, item_id) VALUES (NEW.collection_id, NEW.position, NEW.item_id);
END;
