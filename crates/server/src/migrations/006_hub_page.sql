-- Where a hub collection sits on its owner's page (the Hub's collection `position`, set with
-- `update_collection_metadata(position=…)`). Server-only presentation data, so a table of its
-- own: it is not a field of the collection, never synced, and no version trigger sees it. A
-- collection without a row sits after every ranked one, oldest first.
CREATE TABLE hub_pages (
    collection_id INTEGER PRIMARY KEY REFERENCES collections(id) ON DELETE CASCADE,
    rank          INTEGER NOT NULL
);
