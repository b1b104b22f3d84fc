-- Version 8: a crash-safe poll cycle. A new or revised article is queued here in the same
-- transaction that stores it (with its feed's new validators); the transaction that records
-- its evaluations, matches, claim revisions, proposals and outbox rows removes it. Whatever
-- the moment of a crash, an article is either still queued (and matched at the next start)
-- or fully recorded: it is matched exactly once.

CREATE TABLE pending_articles (
    seq             INTEGER PRIMARY KEY,                 -- processing order: storage order
    article_id      INTEGER NOT NULL UNIQUE REFERENCES articles(id) ON DELETE CASCADE,
    feed_id         INTEGER REFERENCES feeds(id) ON DELETE SET NULL,  -- the feed that carried it
    seen            TEXT NOT NULL,                       -- new | revised
    backlog         INTEGER NOT NULL DEFAULT 0,          -- from the feed's first poll: digest
    previous_id     INTEGER REFERENCES article_revisions(id) ON DELETE SET NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,          -- matching failed this often (a bug)
    last_error      TEXT,
    queued_at       TEXT NOT NULL
);

-- Digests of the items of the feed's last document (JSON list), stored with its entries: at
-- the next change only the items not among them are parsed.
ALTER TABLE feeds ADD COLUMN item_digests TEXT;
