"""The Discord client: owns the database, the pipeline and the cogs; nothing else lives here."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import Config
from bot.pipeline import Pipeline
from bot.settings import Settings
from storage import delivery
from storage.db import Database

log = logging.getLogger(__name__)

TREE_HASH_KEY = "command_tree_hash"


def make_intents() -> discord.Intents:
    """Slash commands need no privileged intents: guilds is enough."""
    intents = discord.Intents.none()
    intents.guilds = True
    return intents


class DossierBot(commands.Bot):
    def __init__(self, *, settings: Settings, config: Config, db: Database, pipeline: Pipeline,
                 run_once: bool = False, **options: Any) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=make_intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            max_ratelimit_timeout=30.0,
            help_command=None,
            **options,
        )
        self.settings = settings
        self.config = config
        self.db = db
        self.pipeline = pipeline
        self.run_once = run_once
        self.synced_commands = False

    async def setup_hook(self) -> None:
        from bot.discord_bot.cogs import setup_cogs

        await setup_cogs(self)
        await self.sync_commands_if_changed()

    def tree_hash(self) -> str:
        """A hash of every command's definition, to sync only when the tree changed."""
        payload = sorted(
            (json.dumps(cmd.to_dict(self.tree), sort_keys=True, default=str)
             for cmd in self.tree.get_commands()),
        )
        return hashlib.sha256("\n".join(payload).encode()).hexdigest()

    def wake_poller(self) -> None:
        """Start the next poll cycle now (a feed or channel changed, a proposal was accepted)."""
        wake = getattr(self.get_cog("Poller"), "wake", None)
        if wake is not None:
            wake.set()

    async def sync_commands_if_changed(self) -> bool:
        digest = self.tree_hash()
        if await delivery.get_meta(self.db, TREE_HASH_KEY) == digest:
            log.info("command tree unchanged; not syncing")
            return False
        synced = await self.tree.sync()
        await delivery.set_meta(self.db, TREE_HASH_KEY, digest)
        log.info("synced %d application commands", len(synced))
        self.synced_commands = True
        return True


def is_admin(member: discord.Member | discord.User, settings: Settings) -> bool:
    """Manage Server, or the role named in DOSSIER_ADMIN_ROLE."""
    if not isinstance(member, discord.Member):
        return False
    if member.guild_permissions.manage_guild:
        return True
    role = settings.admin_role
    return bool(role) and any(r.name == role for r in member.roles)


def admin_check() -> Any:
    """Checked at run time too: default_permissions only hides commands, it is not a guard."""

    async def predicate(interaction: discord.Interaction) -> bool:
        client = interaction.client
        settings = getattr(client, "settings", None)
        if settings is None or not is_admin(interaction.user, settings):
            raise app_commands.CheckFailure(
                "This command is for server admins (Manage Server"
                + (f" or the {settings.admin_role} role" if settings and settings.admin_role else "")
                + "). Nothing was changed."
            )
        return True

    return app_commands.check(predicate)
