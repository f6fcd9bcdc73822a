-- Indexes a large first pull dropped while it writes its rows (`crate::deferred`), with the
-- statement that makes each again: built once at the pull's last page, or when the cache opens
-- after a pull that did not finish.
CREATE TABLE deferred_indexes (
    name TEXT PRIMARY KEY,
    sql  TEXT NOT NULL
);
