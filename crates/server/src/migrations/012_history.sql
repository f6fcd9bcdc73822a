-- The history of each collection (issue 16): one row per accepted change — who (`user_id`),
-- when (`changed_at`, ms since the epoch), what (`kind`: created, renamed, updated, deleted, added,
-- removed, moved, noted), how many items (`item_count`) and which (`items`: their numbers in the
-- project as a `trove_protocol::itemset::ItemSet`, ~1-4 bytes an item, at most one mutation's
-- worth), and a short `detail` (a new title, a note cut to its bound). Written by
-- `store/history.rs` wherever a change is applied (sync push, the native and the
-- compatibility APIs all reach the same functions), read newest first by
-- `GET /collections/{namespace}/{slug}/history`, and forgotten by `prune` with the same window
-- as tombstones. Numbered 012: 011 is the saved views' (another branch).
CREATE TABLE collection_history (
    id            INTEGER PRIMARY KEY,
    project_id    INTEGER NOT NULL,
    collection_id INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    changed_at    INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    item_count    INTEGER NOT NULL,
    items         TEXT NOT NULL DEFAULT '',
    detail        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX collection_history_by_collection ON collection_history (collection_id, id);
CREATE INDEX collection_history_by_time ON collection_history (changed_at);
