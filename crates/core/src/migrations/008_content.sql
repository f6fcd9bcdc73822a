-- The SHA-256 of an imported file's bytes (lowercase hex): "Import folder…" adds a file only
-- when its content is new to the dataset, and updates the item of a file whose content changed.
-- NULL for items that came from elsewhere (the demo, a server).
ALTER TABLE items ADD COLUMN content TEXT;
