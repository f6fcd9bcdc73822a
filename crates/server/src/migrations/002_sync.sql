-- Sync state (DESIGN §4): a global version that every change of a synced row takes, so a pull
-- returns "everything after cookie N"; causal-length clocks for memberships (add/remove
-- counters: odd = present), which outlive the membership rows as tombstones; tombstones of
-- hard-deleted collections; and each client's last applied mutation id.
--
-- Versions are assigned by triggers, so no write path (API, import, sync, a compatibility API)
-- can forget them.

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters (name, value) VALUES ('version', 0);

ALTER TABLE datasets    ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items       ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE collections ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
CREATE INDEX datasets_by_version    ON datasets (project_id, version);
CREATE INDEX items_by_version       ON items (project_id, version);
CREATE INDEX collections_by_version ON collections (project_id, version);

CREATE TABLE membership_clocks (
    collection_id INTEGER NOT NULL REFERENCES collections(id),
    item_id       INTEGER NOT NULL REFERENCES items(id),
    -- Causal length: the number of adds and removes the pair has seen; odd means present.
    cl            INTEGER NOT NULL,
    project_id    INTEGER NOT NULL REFERENCES projects(id),
    version       INTEGER NOT NULL,
    PRIMARY KEY (collection_id, item_id)
) WITHOUT ROWID;
CREATE INDEX membership_clocks_by_version ON membership_clocks (project_id, version);
INSERT INTO membership_clocks (collection_id, item_id, cl, project_id, version)
    SELECT m.collection_id, m.item_id, 1, c.project_id, 0 FROM memberships m JOIN collections c ON c.id = m.collection_id;

CREATE TABLE tombstones (
    project_id INTEGER NOT NULL REFERENCES projects(id),
    kind       TEXT NOT NULL CHECK (kind IN ('collection')),
    uuid       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    PRIMARY KEY (project_id, kind, uuid)
) WITHOUT ROWID;

CREATE TABLE clients (
    client_id        TEXT PRIMARY KEY,
    user_id          INTEGER NOT NULL REFERENCES users(id),
    last_mutation_id INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) WITHOUT ROWID;

-- Mutations the server refused for a business reason (they still advanced the client's id).
CREATE TABLE rejected_mutations (
    client_id   TEXT NOT NULL,
    mutation_id INTEGER NOT NULL,
    name        TEXT NOT NULL,
    code        TEXT NOT NULL,
    message     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (client_id, mutation_id)
) WITHOUT ROWID;

-- Version triggers. `recursive_triggers` is off, so the UPDATE inside does not fire again.
CREATE TRIGGER datasets_version_insert AFTER INSERT ON datasets BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'version';
    UPDATE datasets SET version = (SELECT value FROM counters WHERE name = 'version') WHERE id = NEW.id;
END;
CREATE TRIGGER datasets_version_update AFTER UPDATE ON datasets WHEN NEW.version = OLD.version BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'version';
    UPDATE datasets SET version = (SELECT value FROM counters WHERE name = 'version') WHERE id = NEW.id;
END;
CREATE TRIGGER items_version_insert AFTER INSERT ON items BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'version';
    UPDATE items SET version = (SELECT value FROM counters WHERE name = 'version') WHERE id = NEW.id;
END;
CREATE TRIGGER items_version_update AFTER UPDATE ON items WHEN NEW.version = OLD.version BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'version';
    UPDATE items SET version = (SELECT value FROM counters WHERE name = 'version') WHERE id = NEW.id;
END;
CREATE TRIGGER collections_version_insert AFTER INSERT ON collections BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'version';
    UPDATE collections SET version = (SELECT value FROM counters WHERE name = 'version') WHERE id = NEW.id;
END;
CREATE TRIGGER collections_version_update AFTER UPDATE ON collections WHEN NEW.version = OLD.version BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'version';
    UPDATE collections SET version = (SELECT value FROM counters WHERE name = 'version') WHERE id = NEW.id;
END;
CREATE TRIGGER collections_tombstone AFTER DELETE ON collections BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'version';
    INSERT INTO tombstones (project_id, kind, uuid, version)
        VALUES (OLD.project_id, 'collection', OLD.uuid, (SELECT value FROM counters WHERE name = 'version'))
        ON CONFLICT DO UPDATE SET version = excluded.version;
    DELETE FROM membership_clocks WHERE collection_id = OLD.id;
END;

-- A membership appearing makes its clock odd (the next odd number); disappearing makes it
-- even; a change of position or note takes a new version. Sync may then raise the clock
-- further to merge a client's causal length.
CREATE TRIGGER memberships_clock_insert AFTER INSERT ON memberships BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'version';
    INSERT INTO membership_clocks (collection_id, item_id, cl, project_id, version)
        VALUES (NEW.collection_id, NEW.item_id, 1,
                (SELECT project_id FROM collections WHERE id = NEW.collection_id),
                (SELECT value FROM counters WHERE name = 'version'))
        ON CONFLICT (collection_id, item_id) DO UPDATE
        SET cl = cl + (1 - cl % 2), version = excluded.version;
END;
CREATE TRIGGER memberships_clock_delete AFTER DELETE ON memberships BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'version';
    UPDATE membership_clocks SET cl = cl + (cl % 2), version = (SELECT value FROM counters WHERE name = 'version')
        WHERE collection_id = OLD.collection_id AND item_id = OLD.item_id;
END;
CREATE TRIGGER memberships_clock_update AFTER UPDATE ON memberships BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'version';
    UPDATE membership_clocks SET version = (SELECT value FROM counters WHERE name = 'version')
        WHERE collection_id = NEW.collection_id AND item_id = NEW.item_id;
END;
