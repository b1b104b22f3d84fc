-- Version N: search also reads the article's extracted page text (article_pages, issue 11).
-- The index reads a view: each article with the text of the page fetched for its current
-- revision. Every change goes through the same two steps: BEFORE it, remove the row as the
-- view shows it (exactly what was indexed); AFTER it, index the row as the view now shows it.

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

CREATE TRIGGER articles_fts_delete BEFORE DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, page_text)
    SELECT 'delete', id, title, summary, page_text FROM articles_search WHERE id = old.id;
END;

CREATE TRIGGER articles_fts_unindex BEFORE UPDATE OF title, summary, content_hash ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, page_text)
    SELECT 'delete', id, title, summary, page_text FROM articles_search WHERE id = old.id;
END;

CREATE TRIGGER articles_fts_reindex AFTER UPDATE OF title, summary, content_hash ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, summary, page_text)
    SELECT id, title, summary, page_text FROM articles_search WHERE id = new.id;
END;

CREATE TRIGGER article_pages_fts_unindex_insert BEFORE INSERT ON article_pages BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, page_text)
    SELECT 'delete', id, title, summary, page_text FROM articles_search WHERE id = new.article_id;
END;

CREATE TRIGGER article_pages_fts_reindex_insert AFTER INSERT ON article_pages BEGIN
    INSERT INTO articles_fts (rowid, title, summary, page_text)
    SELECT id, title, summary, page_text FROM articles_search WHERE id = new.article_id;
END;

CREATE TRIGGER article_pages_fts_unindex_update BEFORE UPDATE ON article_pages BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, page_text)
    SELECT 'delete', id, title, summary, page_text FROM articles_search WHERE id = old.article_id;
END;

CREATE TRIGGER article_pages_fts_reindex_update AFTER UPDATE ON article_pages BEGIN
    INSERT INTO articles_fts (rowid, title, summary, page_text)
    SELECT id, title, summary, page_text FROM articles_search WHERE id = new.article_id;
END;

CREATE TRIGGER article_pages_fts_unindex_delete BEFORE DELETE ON article_pages BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, page_text)
    SELECT 'delete', id, title, summary, page_text FROM articles_search WHERE id = old.article_id;
END;

CREATE TRIGGER article_pages_fts_reindex_delete AFTER DELETE ON article_pages BEGIN
    INSERT INTO articles_fts (rowid, title, summary, page_text)
    SELECT id, title, summary, page_text FROM articles_search WHERE id = old.article_id;
END;

INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');
