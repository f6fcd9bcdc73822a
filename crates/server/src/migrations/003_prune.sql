-- Pruning (DESIGN §4: "a cookie older than the tombstone window gets a reset"). Tombstones of
-- collections and the clocks of removed memberships (even `cl`) are kept only so that clients
-- which have not pulled since learn of the removal; `trove-server prune` forgets those that
-- last changed more than N days ago.
--
-- `changed_at` (ms since the epoch) is when a row last took a version. The counter `pruned` is
-- the highest version a prune removed: a pull from a cookie below it is answered with a reset.
-- `prune_epoch` counts the prunes that raised it: a full download whose page cookies encode an
-- older epoch starts over (see store/sync/pull.rs).

ALTER TABLE tombstones        ADD COLUMN changed_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE membership_clocks ADD COLUMN changed_at INTEGER NOT NULL DEFAULT 0;
-- Rows from before this migration count as changed now: they are kept a full window.
UPDATE tombstones        SET changed_at = CAST(unixepoch('subsec') * 1000 AS INTEGER);
UPDATE membership_clocks SET changed_at = CAST(unixepoch('subsec') * 1000 AS INTEGER);
INSERT INTO counters (name, value) VALUES ('pruned', 0), ('prune_epoch', 0);

-- The triggers of 002 again, now also stamping `changed_at` with each version.
DROP TRIGGER collections_tombstone;
CREATE TRIGGER collections_tombstone AFTER DELETE ON collections BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'version';
    INSERT INTO tombstones (project_id, kind, uuid, version, changed_at)
        VALUES (OLD.project_id, 'collection', OLD.uuid, (SELECT value FROM counters WHERE name = 'version'),
                CAST(unixepoch('subsec') * 1000 AS INTEGER))
        ON CONFLICT DO UPDATE SET version = excluded.version, changed_at = excluded.changed_at;
    DELETE FROM membership_clocks WHERE collection_id = OLD.id;
END;

DROP TRIGGER memberships_clock_insert;
CREATE TRIGGER memberships_clock_insert AFTER INSERT ON memberships BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'version';
    INSERT INTO membership_clocks (collection_id, item_id, cl, project_id, version, changed_at)
        VALUES (NEW.collection_id, NEW.item_id, 1,
                (SELECT project_id FROM collections WHERE id = NEW.collection_id),
                (SELECT value FROM counters WHERE name = 'version'),
                CAST(unixepoch('subsec') * 1000 AS INTEGER))
        ON CONFLICT (collection_id, item_id) DO UPDATE
        SET cl = cl + (1 - cl % 2), version = excluded.version, changed_at = excluded.changed_at;
END;

DROP TRIGGER memberships_clock_delete;
CREATE TRIGGER memberships_clock_delete AFTER DELETE ON memberships BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'version';
    UPDATE membership_clocks
        SET cl = cl + (cl % 2), version = (SELECT value FROM counters WHERE name = 'version'),
            changed_at = CAST(unixepoch('subsec') * 1000 AS INTEGER)
        WHERE collection_id = OLD.collection_id AND item_id = OLD.item_id;
END;

DROP TRIGGER memberships_clock_update;
CREATE TRIGGER memberships_clock_update AFTER UPDATE ON memberships BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'version';
    UPDATE membership_clocks
        SET version = (SELECT value FROM counters WHERE name = 'version'),
            changed_at = CAST(unixepoch('subsec') * 1000 AS INTEGER)
        WHERE collection_id = NEW.collection_id AND item_id = NEW.item_id;
END;
