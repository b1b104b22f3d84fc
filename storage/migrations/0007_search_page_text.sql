-- Version 7: search also reads an article's extracted page text (article_pages, issue 11).
-- `articles_fts` now indexes a view: each article with the text of the page fetched for its
-- current revision ('' when there is none, or when the feed's own text was kept). FTS5's
-- 'delete' must be given exactly what was indexed, so each trigger computes the old values
-- from the row before the change. article_pages is written with an upsert: its conflict
-- path fires the UPDATE trigger (not the INSERT one), so no change is counted twice.

DROP TRIGGER articles_fts_insert;
DROP TRIGGER articles_fts_delete;
DROP TRIGGER articles_fts_update;
DROP TABLE articles_fts;

CREATE VIEW articles_search AS
SELECT a.id, a.title, a.summary,
       COALESCE((SELECT p.text FROM article_pages p
                 WHERE p.article_id = a.id AND p.content_hash = a.content_hash
                   AND p.source = 'article_page'), '') AS page_text
FROM articles a;

CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, summary, page_text,
    content='articles_search', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, summary, page_text)
    SELECT id, title, summary, page_text FROM articles_search WHERE id = new.id;
END;

-- Before: the article's pages are still there (a cascade removes them afterwards).
CREATE TRIGGER articles_fts_delete BEFORE DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, page_text)
    SELECT 'delete', id, title, summary, page_text FROM articles_search WHERE id = old.id;
END;

CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, summary, content_hash ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, page_text)
    VALUES ('delete', old.id, old.title, old.summary,
            COALESCE((SELECT p.text FROM article_pages p
                      WHERE p.article_id = old.id AND p.content_hash = old.content_hash
                        AND p.source = 'article_page'), ''));
    INSERT INTO articles_fts (rowid, title, summary, page_text)
    SELECT id, title, summary, page_text FROM articles_search WHERE id = new.id;
END;

-- A new page row for the article's current revision: before it, no row for that revision
-- existed, so the indexed page text was ''.
CREATE TRIGGER article_pages_fts_insert AFTER INSERT ON article_pages BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, page_text)
    SELECT 'delete', a.id, a.title, a.summary, '' FROM articles a
    WHERE a.id = new.article_id AND a.content_hash = new.content_hash;
    INSERT INTO articles_fts (rowid, title, summary, page_text)
    SELECT s.id, s.title, s.summary, s.page_text FROM articles_search s JOIN articles a ON a.id = s.id
    WHERE s.id = new.article_id AND a.content_hash = new.content_hash;
END;

CREATE TRIGGER article_pages_fts_update AFTER UPDATE ON article_pages BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, page_text)
    SELECT 'delete', a.id, a.title, a.summary,
           CASE WHEN old.content_hash = a.content_hash AND old.source = 'article_page'
                THEN old.text ELSE '' END
    FROM articles a
    WHERE a.id = old.article_id AND a.content_hash IN (old.content_hash, new.content_hash);
    INSERT INTO articles_fts (rowid, title, summary, page_text)
    SELECT s.id, s.title, s.summary, s.page_text FROM articles_search s JOIN articles a ON a.id = s.id
    WHERE s.id = old.article_id AND a.content_hash IN (old.content_hash, new.content_hash);
END;

CREATE TRIGGER article_pages_fts_delete AFTER DELETE ON article_pages BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, page_text)
    SELECT 'delete', a.id, a.title, a.summary,
           CASE WHEN old.source = 'article_page' THEN old.text ELSE '' END
    FROM articles a WHERE a.id = old.article_id AND a.content_hash = old.content_hash;
    INSERT INTO articles_fts (rowid, title, summary, page_text)
    SELECT s.id, s.title, s.summary, s.page_text FROM articles_search s JOIN articles a ON a.id = s.id
    WHERE s.id = old.article_id AND a.content_hash = old.content_hash;
END;

INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');
