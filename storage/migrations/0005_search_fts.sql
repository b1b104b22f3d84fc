-- Version 5: ranked full-text search (SQLite FTS5) for /search.
-- External-content tables: the text stays in `claims` / `articles`; the index is kept in
-- sync by the triggers below, and built here for rows that already exist ('rebuild').
-- The porter tokenizer folds English word endings (widget/widgets), unicode61 folds case
-- and diacritics for every language. To index another column (e.g. an article's extracted
-- page text), a later migration drops `articles_fts` and its triggers, creates them again
-- with the new column and rebuilds: see docs/decisions.md, "Search".

CREATE VIRTUAL TABLE claims_fts USING fts5(
    key, statement, aliases,
    content='claims', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER claims_fts_insert AFTER INSERT ON claims BEGIN
    INSERT INTO claims_fts (rowid, key, statement, aliases)
    VALUES (new.id, new.key, new.statement, new.aliases);
END;

CREATE TRIGGER claims_fts_delete AFTER DELETE ON claims BEGIN
    INSERT INTO claims_fts (claims_fts, rowid, key, statement, aliases)
    VALUES ('delete', old.id, old.key, old.statement, old.aliases);
END;

CREATE TRIGGER claims_fts_update AFTER UPDATE OF key, statement, aliases ON claims BEGIN
    INSERT INTO claims_fts (claims_fts, rowid, key, statement, aliases)
    VALUES ('delete', old.id, old.key, old.statement, old.aliases);
    INSERT INTO claims_fts (rowid, key, statement, aliases)
    VALUES (new.id, new.key, new.statement, new.aliases);
END;

CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, summary,
    content='articles', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, summary) VALUES (new.id, new.title, new.summary);
END;

CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary)
    VALUES ('delete', old.id, old.title, old.summary);
END;

CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, summary ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary)
    VALUES ('delete', old.id, old.title, old.summary);
    INSERT INTO articles_fts (rowid, title, summary) VALUES (new.id, new.title, new.summary);
END;

INSERT INTO claims_fts (claims_fts) VALUES ('rebuild');
INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');
