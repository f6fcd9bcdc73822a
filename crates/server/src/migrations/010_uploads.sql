-- Items made from a file carry the SHA-256 of its bytes, sent with every pulled item so that a
-- re-import in the app adds only the files whose content is new. An item an app uploaded
-- ("Import folder…" in a synced project, `import_items`) has the identity `upload:<uuid>`: the
-- app chose its UUID, and two apps that import the same file at once each keep what they
-- imported (nothing a user did is dropped as a duplicate of someone else's).
ALTER TABLE items ADD COLUMN content TEXT;
UPDATE items SET content = substr(identity, 8) WHERE identity LIKE 'sha256:%';
-- An original is uploaded for the items of a project that show its content.
CREATE INDEX items_by_content ON items (project_id, content) WHERE content IS NOT NULL;
-- The originals uploaded for each project (the files are stored once by content, `originals/`):
-- an original is served for an item only when its own project's editor uploaded those bytes,
-- so knowing a file's SHA-256 never reveals whether another project holds it.
CREATE TABLE project_originals (
    project_id INTEGER NOT NULL REFERENCES projects(id),
    content    TEXT NOT NULL,
    size       INTEGER NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, content)
) WITHOUT ROWID;
-- The thumbnails an app uploaded for each project (the bytes are the proof it has them). An
-- imported item names a stored thumbnail only if its project's editors uploaded it: an item
-- cannot borrow another project's thumbnail by its hash.
CREATE TABLE project_thumbs (
    project_id INTEGER NOT NULL REFERENCES projects(id),
    hash       TEXT NOT NULL,
    PRIMARY KEY (project_id, hash)
) WITHOUT ROWID;
