"""Setting Dossier up in a server: its guild row, the feeds.yaml topics and feed subscriptions.

Safe to run on every start and every (re)join: topics an admin edited keep their edits
unless feeds.yaml's own definition changed (see storage.topics.install_topics), and config
topics or feeds this server's admins removed are not brought back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.config import Config
from bot.match.figures import extract_figures, seed_claim_figures
from storage import claims_admin, guilds
from storage import feeds as feed_store
from storage import topics as topic_store
from storage.db import Database
from storage.guilds import AuditEntry

FiguresFor = Callable[[str], tuple[str, ...]]


@dataclass(frozen=True)
class InstallResult:
    guild_id: int
    created: bool  # first install in this server
    topics: list[str]  # config topic keys installed or refreshed
    skipped_topics: list[str]  # config topics this server's admins removed or re-created
    subscribed: list[str]  # feed URLs newly subscribed now


async def install_guild(db: Database, guild_id: int, name: str | None, config: Config, *,
                        figures_for: FiguresFor | None = None) -> InstallResult:
    """Create or refresh a server's setup from feeds.yaml; idempotent."""
    created = await guilds.ensure_guild(db, guild_id, name)
    await feed_store.sync_config_feeds(db, config.feeds)
    declined = set((await guilds.declined(db, guild_id))["topics"])
    # A key an admin re-created by hand is theirs now: feeds.yaml must not overwrite it.
    declined |= {t.key for t in await claims_admin.topic_summaries(db, guild_id) if t.origin == "admin"}
    skipped = [t.key for t in config.topics if t.key in declined]
    wanted = tuple(t for t in config.topics if t.key not in declined)
    await topic_store.install_topics(db, guild_id, seed_claim_figures(wanted, figures_for or extract_figures))
    subscribed = await guilds.subscribe_urls(db, guild_id, [f.url for f in config.feeds])
    if created:
        await guilds.record_audit(db, AuditEntry(
            guild_id, None, "dossier", "guild.install", str(guild_id),
            f"{len(wanted)} topics, {len(subscribed)} feeds from feeds.yaml",
        ))
    return InstallResult(guild_id, created, [t.key for t in wanted], skipped, subscribed)


async def subscribed_guilds(db: Database, feed_id: int) -> set[int]:
    """Servers whose topics see this feed's articles (paused subscriptions excluded)."""
    return await guilds.subscribed_guilds(db, feed_id)
