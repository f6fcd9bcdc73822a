-- Labeling queues (issue 12, `trove_protocol::queue`): a queue follows one collection live, and
-- `queue_entries` holds each item's status in it once something happened to the item (an
-- item of the collection without an entry is pending). The filter compiler reads
-- `queues(id, collection_id, closed)` and `queue_entries(queue_id, item_id, status)` by these
-- names (`store/items.rs::SCHEMA`).
--
-- `collection_id` names no foreign key on purpose: removing a collection, even for good, is
-- never blocked by a queue. The queue is closed then (the triggers below) and keeps its
-- history; `collection_uuid` still names the collection for sync.
--
-- Versions are stamped by triggers like every synced table's (002_sync.sql), so no write path
-- forgets them; `project_id` on entries lets a pull page them by project and version.

CREATE TABLE queues (
    id              INTEGER PRIMARY KEY,
    uuid            TEXT NOT NULL UNIQUE,
    project_id      INTEGER NOT NULL REFERENCES projects(id),
    collection_id   INTEGER NOT NULL,
    collection_uuid TEXT NOT NULL,
    name            TEXT NOT NULL,
    -- JSON arrays of user names and tags.
    annotators      TEXT NOT NULL DEFAULT '[]',
    reviewers       TEXT NOT NULL DEFAULT '[]',
    tags            TEXT NOT NULL DEFAULT '[]',
    closed          INTEGER NOT NULL DEFAULT 0,
    created_by      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    version         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX queues_by_project    ON queues (project_id, id);
CREATE INDEX queues_by_collection ON queues (collection_id);
CREATE INDEX queues_by_version    ON queues (project_id, version);

CREATE TABLE queue_entries (
    queue_id   INTEGER NOT NULL REFERENCES queues(id),
    item_id    INTEGER NOT NULL REFERENCES items(id),
    project_id INTEGER NOT NULL REFERENCES projects(id),
    status     TEXT NOT NULL CHECK (status IN ('pending', 'annotating', 'done', 'accepted', 'rejected')),
    annotator  TEXT,
    submission INTEGER NOT NULL DEFAULT 0,
    comment    TEXT NOT NULL DEFAULT '' CHECK (length(comment) <= 500),
    reviewer   TEXT,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (queue_id, item_id)
);
CREATE INDEX queue_entries_by_status  ON queue_entries (queue_id, status, item_id);
CREATE INDEX queue_entries_by_version ON queue_entries (project_id, version);

CREATE TRIGGER queues_version_insert AFTER INSERT ON queues BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'version';
    UPDATE queues SET version = (SELECT value FROM counters WHERE name = 'version') WHERE id = NEW.id;
END;
CREATE TRIGGER queues_version_update AFTER UPDATE ON queues WHEN NEW.version = OLD.version BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'version';
    UPDATE queues SET version = (SELECT value FROM counters WHERE name = 'version') WHERE id = NEW.id;
END;
CREATE TRIGGER queue_entries_version_insert AFTER INSERT ON queue_entries BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'version';
    UPDATE queue_entries SET version = (SELECT value FROM counters WHERE name = 'version') WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER queue_entries_version_update AFTER UPDATE ON queue_entries WHEN NEW.version = OLD.version BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'version';
    UPDATE queue_entries SET version = (SELECT value FROM counters WHERE name = 'version') WHERE rowid = NEW.rowid;
END;

-- Removing a collection (softly or for good) closes its queues; their history stays.
CREATE TRIGGER collections_close_queues AFTER UPDATE OF deleted_at ON collections
WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL BEGIN
    UPDATE queues SET closed = 1, updated_at = NEW.deleted_at WHERE collection_id = NEW.id AND closed = 0;
END;
CREATE TRIGGER collections_close_queues_hard AFTER DELETE ON collections BEGIN
    UPDATE queues SET closed = 1, updated_at = CAST(unixepoch('subsec') * 1000 AS INTEGER)
        WHERE collection_id = OLD.id AND closed = 0;
END;
