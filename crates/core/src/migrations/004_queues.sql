-- Labeling queues (issue 12): a queue follows one collection live; each item it holds has a
-- status. The filter compiler (`filters::SCHEMA`) reads `queues(id, collection_id, closed)` and
-- `queue_entries(queue_id, item_id, status)` by these names. For a synced project these rows are
-- the server's state as of the cookie with the pending queue mutations replayed on top, like
-- collections and memberships.

-- Who this cache acts as in a synced project: the server account's user name (`GET /me`),
-- learned when the project is downloaded; '' until then. A local project's user is "you".
ALTER TABLE sync_projects ADD COLUMN account TEXT NOT NULL DEFAULT '';
-- The users with a role in the server project (`GET /projects/{id}/people`), a JSON array of
-- names, as last fetched: whom a queue may name, also offline.
ALTER TABLE sync_projects ADD COLUMN people TEXT NOT NULL DEFAULT '[]';

CREATE TABLE queues (
    id            INTEGER PRIMARY KEY,
    uuid          TEXT NOT NULL UNIQUE,
    -- The server's integer id (the API's and Supervisely's), once a pull brought the queue.
    api_id        INTEGER,
    project_id    INTEGER NOT NULL REFERENCES projects(id),
    -- The source collection; NULL while (or after) this cache does not have it: such a queue
    -- follows nothing, as a closed one. `collection_uuid` relinks it when it arrives.
    collection_id   INTEGER REFERENCES collections(id),
    collection_uuid TEXT NOT NULL,
    name          TEXT NOT NULL,
    -- JSON arrays of user names / tags.
    annotators    TEXT NOT NULL DEFAULT '[]',
    reviewers     TEXT NOT NULL DEFAULT '[]',
    tags          TEXT NOT NULL DEFAULT '[]',
    closed        INTEGER NOT NULL DEFAULT 0,
    created_by    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX queues_by_project ON queues (project_id, name);
CREATE INDEX queues_by_collection ON queues (collection_id);

-- An item's entry in a queue; a live member of the source collection without one is pending.
CREATE TABLE queue_entries (
    queue_id   INTEGER NOT NULL REFERENCES queues(id),
    item_id    INTEGER NOT NULL REFERENCES items(id),
    status     TEXT NOT NULL CHECK (status IN ('pending', 'annotating', 'done', 'accepted', 'rejected')),
    annotator  TEXT,
    submission INTEGER NOT NULL DEFAULT 0,
    comment    TEXT NOT NULL DEFAULT '',
    reviewer   TEXT,
    PRIMARY KEY (queue_id, item_id)
) WITHOUT ROWID;
CREATE INDEX queue_entries_by_status ON queue_entries (queue_id, status, item_id);
CREATE INDEX queue_entries_by_item ON queue_entries (item_id);
