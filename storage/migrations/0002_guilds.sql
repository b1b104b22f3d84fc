-- Version 2: Discord servers (guilds). Topics, claims and subscriptions belong to a guild;
-- a feed URL is still fetched once for every guild that subscribes to it.

CREATE TABLE guilds (
    guild_id         INTEGER PRIMARY KEY,
    name             TEXT,
    admin_channel_id INTEGER,                            -- where the review queue is posted
    match_low        REAL,                               -- NULL: the global setting
    match_high       REAL,
    installed_at     TEXT NOT NULL
);

CREATE TABLE subscriptions (
    guild_id        INTEGER NOT NULL,
    feed_id         INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    paused_at       TEXT,                                -- paused by this guild's admins
    created_at      TEXT NOT NULL,
    PRIMARY KEY (guild_id, feed_id)
);
CREATE INDEX subscriptions_by_feed ON subscriptions(feed_id);

-- Set when posting to the topic's channel failed for good (403 / 404); cleared when fixed.
ALTER TABLE topics ADD COLUMN channel_error TEXT;

CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    actor_id        INTEGER,
    actor_name      TEXT,
    action          TEXT NOT NULL,                       -- e.g. claim.set_status, review.accept
    target          TEXT NOT NULL,
    detail          TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL
);
CREATE INDEX audit_by_guild ON audit_log(guild_id, id);
