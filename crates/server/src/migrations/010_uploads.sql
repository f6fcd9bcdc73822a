-- Items made from a file carry the SHA-256 of its bytes, sent with every pulled item so that a
-- re-import in the app adds only the files whose content is new. An item an app uploaded
-- ("Import folder…" in a synced project, `import_items`) has the identity `upload:<uuid>`: the
-- app chose its UUID, and two apps that import the same file at once each keep what they
-- imported (nothing a user did is dropped as a duplicate of someone else's).
ALTER TABLE items ADD COLUMN content TEXT;
UPDATE items SET content = substr(identity, 8) WHERE identity LIKE 'sha256:%';
-- An original is uploaded for the items of a project that show its content.
CREATE INDEX items_by_content ON items (project_id, content) WHERE content IS NOT NULL;
