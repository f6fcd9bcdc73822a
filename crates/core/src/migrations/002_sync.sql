-- Sync with a trove-server (DESIGN §4): which local projects are copies of a server project,
-- the causal length of every (collection, item) pair of those projects, the project of each
-- outbox row, and the changes the server refused.

-- A project downloaded from a server: its local rows mirror the server's, with this cache's
-- pending mutations replayed on top.
CREATE TABLE sync_projects (
    project_id INTEGER PRIMARY KEY REFERENCES projects(id),
    server     TEXT NOT NULL,
    -- The cookie of the last pull applied (a server version); 0 before the first.
    cookie     INTEGER NOT NULL DEFAULT 0,
    -- The namespace new collections are created in, and the caller's role there.
    namespace  TEXT NOT NULL DEFAULT '',
    role       TEXT NOT NULL DEFAULT 'viewer',
    -- When a pull last reached the server's head.
    synced_at  INTEGER
);

-- Causal length of a pair: adds and removes seen (odd = present), merged by maximum. Kept only
-- for synced projects; it outlives the membership row as a tombstone.
CREATE TABLE membership_clocks (
    collection_id INTEGER NOT NULL REFERENCES collections(id),
    item_id       INTEGER NOT NULL REFERENCES items(id),
    cl            INTEGER NOT NULL,
    PRIMARY KEY (collection_id, item_id)
) WITHOUT ROWID;

-- Only synced projects' actions go to the outbox: everything recorded before this version was
-- for local projects, which are never pushed. AUTOINCREMENT keeps the ids growing.
DELETE FROM outbox;
ALTER TABLE outbox ADD COLUMN project_id INTEGER REFERENCES projects(id);
CREATE INDEX outbox_by_project ON outbox (project_id, id);

-- Changes the server refused for good, for the status area until dismissed.
CREATE TABLE refusals (
    mutation_id INTEGER PRIMARY KEY,
    project_id  INTEGER,
    change      TEXT NOT NULL,
    reason      TEXT NOT NULL,
    at          INTEGER NOT NULL
);

-- Server rows arrive in version order, so two collections may briefly share a title while a
-- page is applied (or while a refused create waits for its tombstone): titles stay unique
-- through the actions' own check, not an index.
DROP INDEX collections_unique_title;
CREATE INDEX collections_by_title ON collections (project_id, title_slug);
