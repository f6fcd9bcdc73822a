-- Item numbers: each item of a synced project has the number the server gave it, stable and
-- unique within the project (`SyncItem::no`). Bulk actions name items by number
-- (`trove_protocol::itemset`), so a million-item add travels as a few hundred kilobytes instead
-- of a million UUIDs. NULL for a local project's items (a bulk action there names local ids)
-- and for items pulled before this version (a bulk action naming one of those falls back to
-- naming items by UUID).
ALTER TABLE items ADD COLUMN no INTEGER;
CREATE UNIQUE INDEX items_by_no ON items (project_id, no) WHERE no IS NOT NULL;
