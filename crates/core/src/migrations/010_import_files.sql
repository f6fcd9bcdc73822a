-- Where each file imported into a copy of a server project is on this computer (its item's
-- `source` on every replica is `upload:<name>`: a path means nothing elsewhere). "Open original"
-- and "Show in folder" read it here, and the sync engine uploads the file from here when
-- "Upload originals" is on. `uploaded`: 0 waiting, 1 on the server, 2 given up (the file is gone,
-- changed since the import, or larger than the server takes), with `failure` saying why.
CREATE TABLE import_files (
    item       TEXT PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    path       TEXT NOT NULL,
    content    TEXT NOT NULL,
    size       INTEGER NOT NULL,
    uploaded   INTEGER NOT NULL DEFAULT 0,
    failure    TEXT
);
CREATE INDEX import_files_waiting ON import_files (uploaded, project_id);
