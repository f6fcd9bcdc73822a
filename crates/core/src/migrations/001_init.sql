-- The local cache of one Trove installation: projects, their datasets and items, collections
-- and memberships, and the outbox of mutations waiting to be pushed to a server.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE projects (
    id          INTEGER PRIMARY KEY,
    uuid        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('image', 'video', 'pointcloud', 'hub')),
    description TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);

CREATE TABLE datasets (
    id         INTEGER PRIMARY KEY,
    uuid       TEXT NOT NULL UNIQUE,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    name       TEXT NOT NULL,
    UNIQUE (project_id, name)
);

CREATE TABLE items (
    id           INTEGER PRIMARY KEY,
    uuid         TEXT NOT NULL UNIQUE,
    project_id   INTEGER NOT NULL REFERENCES projects(id),
    dataset_id   INTEGER NOT NULL REFERENCES datasets(id),
    kind         TEXT NOT NULL CHECK (kind IN ('image', 'video', 'pointcloud', 'model', 'dataset', 'space', 'paper')),
    name         TEXT NOT NULL,
    mime         TEXT NOT NULL,
    width        INTEGER,
    height       INTEGER,
    size         INTEGER NOT NULL,
    labels_count INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    thumb        TEXT,
    -- Content hash of the detail panel's larger preview, once it has been made.
    preview      TEXT,
    source       TEXT NOT NULL,
    -- The item's tags, sorted, joined by U+001F: kept by `tags.rs` in the transaction that
    -- changes item_tags, so pages and the tags column need no join.
    tags_text    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX items_by_name    ON items (project_id, name COLLATE NOCASE, id);
CREATE INDEX items_by_dataset ON items (project_id, dataset_id, name COLLATE NOCASE, id);
CREATE INDEX items_by_size    ON items (project_id, size, id);
CREATE INDEX items_by_updated ON items (project_id, updated_at, id);
CREATE INDEX items_by_created ON items (project_id, created_at, id);
CREATE INDEX items_by_labels  ON items (project_id, labels_count);

CREATE TABLE tags (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    name       TEXT NOT NULL,
    UNIQUE (project_id, name)
);

CREATE TABLE item_tags (
    item_id INTEGER NOT NULL REFERENCES items(id),
    tag_id  INTEGER NOT NULL REFERENCES tags(id),
    PRIMARY KEY (item_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX item_tags_by_tag ON item_tags (tag_id, item_id);

CREATE TABLE collections (
    id          INTEGER PRIMARY KEY,
    uuid        TEXT NOT NULL UNIQUE,
    -- 24 lowercase hex characters: the id suffix of the slug, never changes.
    hex_id      TEXT NOT NULL UNIQUE,
    project_id  INTEGER NOT NULL REFERENCES projects(id),
    namespace   TEXT NOT NULL,
    title       TEXT NOT NULL,
    title_slug  TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    private     INTEGER NOT NULL DEFAULT 0,
    theme       TEXT NOT NULL CHECK (theme IN ('orange', 'blue', 'green', 'purple', 'pink', 'indigo')),
    owner       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    deleted_at  INTEGER
);
CREATE UNIQUE INDEX collections_unique_title ON collections (project_id, title_slug) WHERE deleted_at IS NULL;

CREATE TABLE memberships (
    collection_id INTEGER NOT NULL REFERENCES collections(id),
    item_id       INTEGER NOT NULL REFERENCES items(id),
    -- A fractional-index key (trove_protocol::position), compared bytewise; ties (possible
    -- after merging devices' edits) are broken by item id.
    position      TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    added_at      INTEGER NOT NULL,
    added_by      TEXT NOT NULL,
    -- An item is in a collection at most once.
    PRIMARY KEY (collection_id, item_id)
) WITHOUT ROWID;
CREATE INDEX memberships_in_order ON memberships (collection_id, position, item_id);
CREATE INDEX memberships_by_item  ON memberships (item_id, collection_id);

-- Every user action appends one intent-level mutation here, in the transaction that makes the
-- change; the id is the mutation id the sync engine pushes in order.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    mutation   TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
