-- Saved views (issue 16): a named filter and sort of a project. The filter is stored portable
-- (`trove_protocol::view`: datasets, collections and queues named by UUID), so it means the same
-- on every replica and survives what it names being deleted. For a synced project the rows are
-- the server's as of the cookie with the pending view mutations replayed on top, like
-- collections. A deleted view keeps its row (`deleted_at`) so that delete wins over a late edit.
CREATE TABLE views (
    id          INTEGER PRIMARY KEY,
    uuid        TEXT NOT NULL UNIQUE,
    project_id  INTEGER NOT NULL REFERENCES projects(id),
    name        TEXT NOT NULL,
    filter      TEXT NOT NULL,
    sort        TEXT NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    deleted_at  INTEGER
);
CREATE INDEX views_by_project ON views (project_id, name);
