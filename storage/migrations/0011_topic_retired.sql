-- Version 11: a topic removed from feeds.yaml in the console scope is retired, not deleted:
-- it stops being matched and listed, and its claims, history and matches stay for when the
-- file names it again (storage.topics.retire_removed).

ALTER TABLE topics ADD COLUMN retired_at TEXT;
