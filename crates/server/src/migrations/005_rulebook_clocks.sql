-- Causal lengths are the rulebook's (`trove_rulebook::cl`): every write of a membership now
-- writes its pair's clock first (`store/sync/replica.rs`), for a pushed mutation and a REST call
-- alike. The membership triggers keep only what is theirs: stamping a new version (and
-- `changed_at`) on the pair's clock whenever its row appears, disappears or changes, so a pull
-- carries it. Before this migration they also advanced the length, a second copy of the rule.

DROP TRIGGER memberships_clock_insert;
CREATE TRIGGER memberships_clock_insert AFTER INSERT ON memberships BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'version';
    UPDATE membership_clocks
        SET version = (SELECT value FROM counters WHERE name = 'version'),
            changed_at = CAST(unixepoch('subsec') * 1000 AS INTEGER)
        WHERE collection_id = NEW.collection_id AND item_id = NEW.item_id;
END;

DROP TRIGGER memberships_clock_delete;
CREATE TRIGGER memberships_clock_delete AFTER DELETE ON memberships BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'version';
    UPDATE membership_clocks
        SET version = (SELECT value FROM counters WHERE name = 'version'),
            changed_at = CAST(unixepoch('subsec') * 1000 AS INTEGER)
        WHERE collection_id = OLD.collection_id AND item_id = OLD.item_id;
END;
