-- Saved views (issue 16): a named filter and sort of a project, synced like a collection. The
-- filter is stored portable (`trove_protocol::view`): datasets, collections and queues named by
-- UUID, so it means the same on every replica. A deleted view keeps its row, marked `deleted`,
-- so that clients learn of the delete in a pull (delete wins); its name and filter are cleared.
CREATE TABLE views (
    id         INTEGER PRIMARY KEY,
    uuid       TEXT NOT NULL UNIQUE,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    name       TEXT NOT NULL,
    filter     TEXT NOT NULL,
    sort       TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0,
    version    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX views_by_project ON views (project_id, name);
CREATE INDEX views_by_version ON views (project_id, version);

CREATE TRIGGER views_version_insert AFTER INSERT ON views BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'version';
    UPDATE views SET version = (SELECT value FROM counters WHERE name = 'version') WHERE id = NEW.id;
END;
CREATE TRIGGER views_version_update AFTER UPDATE ON views WHEN NEW.version = OLD.version BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'version';
    UPDATE views SET version = (SELECT value FROM counters WHERE name = 'version') WHERE id = NEW.id;
END;
