-- Dossier schema, version 1. Times are ISO 8601 UTC text; JSON columns hold lists.

CREATE TABLE feeds (
    id              INTEGER PRIMARY KEY,
    url             TEXT NOT NULL UNIQUE,
    name            TEXT,
    interval_s      INTEGER NOT NULL DEFAULT 900,
    origin          TEXT NOT NULL DEFAULT 'config',      -- config | admin
    etag            TEXT,
    last_modified   TEXT,
    next_poll_at    TEXT,                                -- NULL: due now
    last_poll_at    TEXT,
    last_ok_at      TEXT,
    last_status     INTEGER,
    last_error      TEXT,
    failures        INTEGER NOT NULL DEFAULT 0,
    polls_ok        INTEGER NOT NULL DEFAULT 0,          -- 0 until the backlog was read
    paused_at       TEXT,
    paused_reason   TEXT,
    created_at      TEXT NOT NULL
);

CREATE TABLE articles (
    id              INTEGER PRIMARY KEY,
    identity        TEXT NOT NULL UNIQUE,
    url             TEXT,
    title           TEXT NOT NULL,
    summary         TEXT NOT NULL,
    content         TEXT NOT NULL,
    published_at    TEXT,
    source          TEXT NOT NULL,
    content_hash    TEXT NOT NULL,
    revision_count  INTEGER NOT NULL DEFAULT 0,
    first_seen_at   TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX articles_by_url ON articles(url);

CREATE TABLE article_revisions (
    id              INTEGER PRIMARY KEY,
    article_id      INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    content_hash    TEXT NOT NULL,
    title           TEXT NOT NULL,
    summary         TEXT NOT NULL,
    content         TEXT NOT NULL,
    seen_at         TEXT NOT NULL
);
CREATE INDEX article_revisions_by_article ON article_revisions(article_id);

CREATE TABLE sightings (
    article_id      INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    feed_id         INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    first_seen_at   TEXT NOT NULL,
    last_seen_at    TEXT NOT NULL,
    PRIMARY KEY (article_id, feed_id)
);

-- guild_id 0 is the console scope (the topics of feeds.yaml as the operator wrote them).
CREATE TABLE topics (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL DEFAULT 0,
    key             TEXT NOT NULL,
    title           TEXT NOT NULL,
    keywords        TEXT NOT NULL,                       -- JSON list of lists
    exclude         TEXT NOT NULL DEFAULT '[]',
    channel_id      INTEGER,
    origin          TEXT NOT NULL DEFAULT 'config',
    config_hash     TEXT,                                -- file definition last applied
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (guild_id, key)
);

CREATE TABLE claims (
    id              INTEGER PRIMARY KEY,
    topic_id        INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    key             TEXT NOT NULL,
    statement       TEXT NOT NULL,
    status          TEXT NOT NULL,
    aliases         TEXT NOT NULL DEFAULT '[]',
    figures         TEXT NOT NULL DEFAULT '[]',
    sources         TEXT NOT NULL DEFAULT '[]',
    retired_at      TEXT,
    merged_into     INTEGER REFERENCES claims(id),
    config_hash     TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (topic_id, key)
);

CREATE TABLE claim_revisions (
    id              INTEGER PRIMARY KEY,
    claim_id        INTEGER NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
    rev             INTEGER NOT NULL,
    statement       TEXT NOT NULL,
    status          TEXT NOT NULL,
    figures         TEXT NOT NULL,
    sources         TEXT NOT NULL,
    change_kind     TEXT NOT NULL,                       -- created, status_change, ... , edit
    reason          TEXT NOT NULL,
    article_id      INTEGER REFERENCES articles(id) ON DELETE SET NULL,
    actor           TEXT NOT NULL,                       -- feeds.yaml | dossier | admin:<user id>
    created_at      TEXT NOT NULL,
    UNIQUE (claim_id, rev)
);

-- What matching decided for an article and a topic: kept so `why` can explain it.
CREATE TABLE evaluations (
    article_id      INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    topic_id        INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    relevant        INTEGER NOT NULL,
    detail          TEXT NOT NULL,                       -- JSON: gate hits, every claim's score
    content_hash    TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (article_id, topic_id)
);

CREATE TABLE matches (
    id              INTEGER PRIMARY KEY,
    article_id      INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    claim_id        INTEGER NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
    score           REAL NOT NULL,
    evidence        TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    UNIQUE (article_id, claim_id)
);

CREATE TABLE proposals (
    id              INTEGER PRIMARY KEY,
    topic_id        INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    claim_id        INTEGER REFERENCES claims(id) ON DELETE CASCADE,
    article_id      INTEGER REFERENCES articles(id) ON DELETE SET NULL,
    kind            TEXT NOT NULL,
    before_value    TEXT,
    after_value     TEXT,
    score           REAL NOT NULL,
    evidence        TEXT NOT NULL,
    payload         TEXT NOT NULL,                       -- the Change as JSON
    state           TEXT NOT NULL DEFAULT 'pending',     -- pending | accepted | rejected | unrelated
    decided_by      TEXT,
    decided_at      TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX proposals_pending ON proposals(state, topic_id);

-- Save before you post: a row is written first, posted, then marked sent.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL DEFAULT 0,
    topic_id        INTEGER REFERENCES topics(id) ON DELETE SET NULL,
    claim_id        INTEGER REFERENCES claims(id) ON DELETE SET NULL,
    article_id      INTEGER REFERENCES articles(id) ON DELETE SET NULL,
    proposal_id     INTEGER REFERENCES proposals(id) ON DELETE SET NULL,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,                       -- the Change as JSON (jsonl shape)
    embed           TEXT NOT NULL,                       -- rendered Discord embed
    backlog         INTEGER NOT NULL DEFAULT 0,          -- from a feed's first poll: digest
    state           TEXT NOT NULL DEFAULT 'pending',     -- pending | sent | held
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at TEXT,
    channel_id      INTEGER,
    message_id      INTEGER,
    nonce           TEXT NOT NULL UNIQUE,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
CREATE INDEX outbox_pending ON outbox(state, guild_id, id);
CREATE INDEX outbox_by_article ON outbox(article_id);

CREATE TABLE meta (
    key             TEXT PRIMARY KEY,
    value           TEXT NOT NULL
);
