-- Perceptual hashes of thumbnails (`dupes.rs`: a 64-bit gradient hash), by the thumbnail's
-- content hash, so items that share a thumbnail share its row. Filled when thumbnails are
-- drawn or imported and, for any still missing, when near-duplicates are searched.
CREATE TABLE thumb_hashes (
    thumb TEXT PRIMARY KEY,
    phash INTEGER NOT NULL
) WITHOUT ROWID;
