-- trove-server's database: accounts (users, namespaces, tokens, roles) and the catalog
-- (projects, datasets, items, tags) with its collections and memberships.
--
-- Every catalog row has three identities: an integer id (Supervisely-style APIs and URLs), a
-- 24-hex id (the Hugging Face style `_id` and slug suffix) and a UUID (what desktop apps sync
-- by). Timestamps are milliseconds since the Unix epoch.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    -- A server admin has the admin role on every project and sees every collection.
    is_admin   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

-- A user's own namespace carries the user's name; an organisation is a namespace of kind 'org'.
CREATE TABLE namespaces (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL CHECK (kind IN ('user', 'org')),
    created_at INTEGER NOT NULL
);

CREATE TABLE namespace_members (
    namespace_id INTEGER NOT NULL REFERENCES namespaces(id),
    user_id      INTEGER NOT NULL REFERENCES users(id),
    role         TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    PRIMARY KEY (namespace_id, user_id)
) WITHOUT ROWID;
CREATE INDEX namespace_members_by_user ON namespace_members (user_id);

-- Only the SHA-256 of a token is kept; the token itself is shown once, when created.
CREATE TABLE tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    hash       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE projects (
    id           INTEGER PRIMARY KEY,
    uuid         TEXT NOT NULL UNIQUE,
    hex_id       TEXT NOT NULL UNIQUE,
    namespace_id INTEGER NOT NULL REFERENCES namespaces(id),
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('image', 'video', 'pointcloud', 'hub')),
    description  TEXT NOT NULL DEFAULT '',
    -- The namespace's project for Hub items (models, datasets, Spaces, papers) that the
    -- Hugging Face compatible API adds to.
    is_hub       INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (namespace_id, name)
);
CREATE UNIQUE INDEX projects_one_hub ON projects (namespace_id) WHERE is_hub = 1;

-- A role on one project, given to a user outside (or above their role in) its namespace.
CREATE TABLE project_roles (
    project_id INTEGER NOT NULL REFERENCES projects(id),
    user_id    INTEGER NOT NULL REFERENCES users(id),
    role       TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    PRIMARY KEY (project_id, user_id)
) WITHOUT ROWID;

CREATE TABLE datasets (
    id         INTEGER PRIMARY KEY,
    uuid       TEXT NOT NULL UNIQUE,
    hex_id     TEXT NOT NULL UNIQUE,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (project_id, name)
);

-- The filter compiler (trove-filters) reads these columns by the names `store/items.rs` gives it.
CREATE TABLE items (
    id           INTEGER PRIMARY KEY,
    uuid         TEXT NOT NULL UNIQUE,
    hex_id       TEXT NOT NULL UNIQUE,
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
    source       TEXT NOT NULL,
    -- What makes two items the same within a project: `sha256:<hex>` of a file's bytes, or
    -- `<type>:<id>` of a Hub item (`model:warp-ai/wuerstchen`). Imports skip known identities.
    identity     TEXT NOT NULL,
    -- The item's tags, sorted, joined by U+001F.
    tags_text    TEXT NOT NULL DEFAULT '',
    UNIQUE (project_id, identity)
);
CREATE INDEX items_by_name    ON items (project_id, name COLLATE NOCASE, id);
CREATE INDEX items_by_dataset ON items (project_id, dataset_id, name COLLATE NOCASE, id);
CREATE INDEX items_by_size    ON items (project_id, size, id);
CREATE INDEX items_by_updated ON items (project_id, updated_at, id);
CREATE INDEX items_by_created ON items (project_id, created_at, id);
CREATE INDEX items_by_thumb   ON items (thumb);

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
    id           INTEGER PRIMARY KEY,
    uuid         TEXT NOT NULL UNIQUE,
    -- 24 lowercase hex characters: the slug's id suffix, by which any slug resolves.
    hex_id       TEXT NOT NULL UNIQUE,
    project_id   INTEGER NOT NULL REFERENCES projects(id),
    -- The namespace the slug starts with and that may see the collection when it is private.
    namespace_id INTEGER NOT NULL REFERENCES namespaces(id),
    title        TEXT NOT NULL,
    title_slug   TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    private      INTEGER NOT NULL DEFAULT 0,
    theme        TEXT NOT NULL CHECK (theme IN ('orange', 'blue', 'green', 'purple', 'pink', 'indigo')),
    owner_id     INTEGER NOT NULL REFERENCES users(id),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    -- Soft delete: the row stays (for sync and undo) but no route finds it.
    deleted_at   INTEGER
);
CREATE UNIQUE INDEX collections_unique_title ON collections (project_id, title_slug) WHERE deleted_at IS NULL;
CREATE INDEX collections_by_project ON collections (project_id, updated_at);

CREATE TABLE memberships (
    id            INTEGER PRIMARY KEY,
    hex_id        TEXT NOT NULL UNIQUE,
    collection_id INTEGER NOT NULL REFERENCES collections(id),
    item_id       INTEGER NOT NULL REFERENCES items(id),
    -- A fractional-index key (trove_protocol::position), compared bytewise; ties by item id.
    position      TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    added_at      INTEGER NOT NULL,
    added_by      INTEGER NOT NULL REFERENCES users(id),
    UNIQUE (collection_id, item_id)
);
CREATE INDEX memberships_in_order ON memberships (collection_id, position, item_id);
CREATE INDEX memberships_by_item  ON memberships (item_id, collection_id);
