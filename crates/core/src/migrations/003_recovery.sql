-- Recovering when this cache and the server disagree on which changes the server has (the
-- server lost some it had confirmed, or this cache was restored from an older copy): the copy
-- of each project is downloaded again from scratch, with the pending outbox replayed on top.
-- Set together with a cookie of 0; the first page applied after it drops the old copy first.
ALTER TABLE sync_projects ADD COLUMN reset_pending INTEGER NOT NULL DEFAULT 0;
