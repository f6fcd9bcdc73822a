-- Item numbers: each item gets a number, stable and unique within its project and never
-- reused (1, 2, 3, ... in the order items arrive), sent with every pulled item. Bulk mutations
-- name items by it (`trove_protocol::itemset`): a million-item add travels as a few hundred
-- kilobytes instead of a million UUIDs. Numbers count per project, so they tell a client
-- nothing about other projects.
ALTER TABLE items ADD COLUMN no INTEGER;
UPDATE items SET no = r.n
    FROM (SELECT id, row_number() OVER (PARTITION BY project_id ORDER BY id) AS n FROM items) r
    WHERE items.id = r.id;
CREATE UNIQUE INDEX items_by_no ON items (project_id, no);
-- The largest number a project has given out, so a number is never reused even if the item
-- holding the largest one is deleted.
CREATE TABLE item_numbers (
    project_id INTEGER PRIMARY KEY REFERENCES projects(id),
    last       INTEGER NOT NULL
);
INSERT INTO item_numbers (project_id, last) SELECT project_id, max(no) FROM items GROUP BY project_id;

-- The insert trigger that stamps a new item's version also numbers it (one UPDATE per row,
-- which does not fire the update trigger: the version changes).
DROP TRIGGER items_version_insert;
CREATE TRIGGER items_version_insert AFTER INSERT ON items BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'version';
    INSERT INTO item_numbers (project_id, last) VALUES (NEW.project_id, 1)
        ON CONFLICT (project_id) DO UPDATE SET last = last + 1;
    UPDATE items SET version = (SELECT value FROM counters WHERE name = 'version'),
                     no = (SELECT last FROM item_numbers WHERE project_id = NEW.project_id)
        WHERE id = NEW.id;
END;
