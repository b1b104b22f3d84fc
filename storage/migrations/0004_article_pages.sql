-- Version 4: the article page behind a short feed entry (issue 11).
-- Per feed: whether to fetch article pages (auto: short entries only; always; never).
ALTER TABLE feeds ADD COLUMN fetch_article TEXT NOT NULL DEFAULT 'auto'
    CHECK (fetch_article IN ('auto', 'always', 'never'));

-- One row per entry revision whose page was fetched (or tried): the text matched instead of
-- the feed's summary, or why there is none. Kept so `why`, re-matching and the next cycle
-- never fetch the same revision again.
CREATE TABLE article_pages (
    article_id      INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    content_hash    TEXT NOT NULL,                       -- the entry revision it belongs to
    feed_id         INTEGER REFERENCES feeds(id) ON DELETE SET NULL,  -- the feed that led to it
    source          TEXT NOT NULL CHECK (source IN ('article_page', 'feed_summary')),
    note            TEXT,                                -- why the feed's text was kept
    text            TEXT NOT NULL DEFAULT '',
    canonical_url   TEXT,
    published_at    TEXT,
    site_name       TEXT,
    language        TEXT,
    http_status     INTEGER,
    fetched_at      TEXT NOT NULL,
    PRIMARY KEY (article_id, content_hash)
);
CREATE INDEX article_pages_by_feed ON article_pages(feed_id, fetched_at);
CREATE INDEX article_pages_by_canonical ON article_pages(canonical_url);
