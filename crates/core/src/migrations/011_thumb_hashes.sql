-- Perceptual hashes of thumbnails (`trove_thumbs::phash`: a 256-bit gradient hash, 32 bytes),
-- by the thumbnail's content hash, so items that share a thumbnail share its row. Filled when
-- thumbnails are drawn (the demo) or imported and, for any still missing (thumbnails pulled from
-- a server), when near-duplicates are searched.
CREATE TABLE thumb_hashes (
    thumb TEXT PRIMARY KEY,
    phash BLOB NOT NULL
) WITHOUT ROWID;
