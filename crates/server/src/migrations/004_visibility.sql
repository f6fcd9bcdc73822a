-- What a caller cannot see leaves no trace (DESIGN §6).
--
-- 1. Titles are unique among the collections a caller can see, not the whole project: a title
--    taken by another namespace's private collection must neither be refused (that reveals it)
--    nor named. The unique index becomes a plain one; the check is in store/collections.rs.
DROP INDEX collections_unique_title;
CREATE INDEX collections_by_title ON collections (project_id, title_slug) WHERE deleted_at IS NULL;

-- 2. Tombstones carry who may see them, like the rows they stand for: a hard-deleted private
--    collection's tombstone goes only to its namespace; the tombstone of a create the server
--    refused only to the user who tried it (`user_id`). A 'hidden' tombstone tells those outside
--    a collection's namespace that a collection they could see was made private, so their next
--    pull removes it (store/sync/pull.rs sends it only to callers who cannot see it now).
DROP TRIGGER collections_tombstone;
CREATE TABLE tombstones_v4 (
    project_id   INTEGER NOT NULL REFERENCES projects(id),
    kind         TEXT NOT NULL CHECK (kind IN ('collection', 'hidden')),
    uuid         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    changed_at   INTEGER NOT NULL DEFAULT 0,
    namespace_id INTEGER,
    private      INTEGER NOT NULL DEFAULT 0,
    user_id      INTEGER,
    PRIMARY KEY (project_id, kind, uuid)
) WITHOUT ROWID;
INSERT INTO tombstones_v4 (project_id, kind, uuid, version, changed_at)
    SELECT project_id, kind, uuid, version, changed_at FROM tombstones;
DROP TABLE tombstones;
ALTER TABLE tombstones_v4 RENAME TO tombstones;
CREATE INDEX tombstones_by_version ON tombstones (project_id, version);

CREATE TRIGGER collections_tombstone AFTER DELETE ON collections BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'version';
    INSERT INTO tombstones (project_id, kind, uuid, version, changed_at, namespace_id, private, user_id)
        VALUES (OLD.project_id, 'collection', OLD.uuid, (SELECT value FROM counters WHERE name = 'version'),
                CAST(unixepoch('subsec') * 1000 AS INTEGER), OLD.namespace_id, OLD.private, NULL)
        ON CONFLICT DO UPDATE SET version = excluded.version, changed_at = excluded.changed_at,
            namespace_id = excluded.namespace_id, private = excluded.private, user_id = NULL;
    DELETE FROM membership_clocks WHERE collection_id = OLD.id;
END;

CREATE TRIGGER collections_hidden AFTER UPDATE OF private ON collections
WHEN OLD.private = 0 AND NEW.private = 1 BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'version';
    INSERT INTO tombstones (project_id, kind, uuid, version, changed_at, namespace_id, private)
        VALUES (NEW.project_id, 'hidden', NEW.uuid, (SELECT value FROM counters WHERE name = 'version'),
                CAST(unixepoch('subsec') * 1000 AS INTEGER), NEW.namespace_id, 0)
        ON CONFLICT DO UPDATE SET version = excluded.version, changed_at = excluded.changed_at;
END;

-- Made public again, a collection comes back to those outside its namespace with its members:
-- their copies dropped the members with it, and the members' clocks are older than their
-- cookies. Touching each membership re-stamps its clock (memberships_clock_update), one
-- version each, so a pull pages through them.
CREATE TRIGGER collections_shown AFTER UPDATE OF private ON collections
WHEN OLD.private = 1 AND NEW.private = 0 BEGIN
    UPDATE memberships SET note = note WHERE collection_id = NEW.id;
END;

-- 3. Position keys are bounded from now on. A database that holds longer ones (from before)
--    is marked here, once, and `store::open` re-spreads those collections at its next start
--    (members.rs::respread_long_keys); later starts find no mark and scan nothing.
INSERT INTO counters (name, value)
    SELECT 'respread_pending', 1 WHERE EXISTS (SELECT 1 FROM memberships WHERE length(position) >= 128);
