"""Run Dossier on Discord: the same pipeline as console mode, posting through the outbox."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import discord

from bot.config import Config
from bot.discord_bot.api_base import apply_api_base, current_api_base
from bot.discord_bot.client import DossierBot
from bot.discord_bot.cogs.poller import Poller
from bot.pipeline import Pipeline
from bot.settings import Settings, StartError
from bot.shutdown import GRACE_SECONDS, stop_on_signals
from bot.startup import (
    make_fetcher,
    make_reader,
    match_questions,
    note_semantic,
    semantic_scorer,
    settle_memory,
    sync_feeds,
    thresholds_for,
    with_initial_figures,
)
from storage import health as health_store
from storage.db import Database

log = logging.getLogger(__name__)


async def run_discord(settings: Settings, config: Config, *, once: bool = False) -> int:
    assert settings.discord_token, "run_discord needs DISCORD_TOKEN"
    apply_api_base(settings.discord_api_base)
    async with await Database.open(settings.db_path) as db:
        await sync_feeds(db, config)
        await health_store.mark_process_start(db)  # `dossier health` allows a first cycle's time
        scorer = semantic_scorer(settings, config)
        await note_semantic(db, scorer)
        async with make_fetcher(settings) as fetcher, make_reader(settings) as reader:
            stop = asyncio.Event()
            pipeline = Pipeline(db, fetcher, thresholds=thresholds_for(settings), guard=False,
                                include_console_scope=False, batch_feeds=settings.batch_feeds,
                                match_segment=settings.match_segment,
                                semantic=scorer, articles=reader, stop=stop, settle=True,
                                questions=match_questions(settings, config))
            # in a worker thread: the first figure reading imports the lemmatiser (~0.3 s)
            seeded = await asyncio.to_thread(with_initial_figures, config)
            bot = DossierBot(settings=settings, config=seeded, db=db,
                             pipeline=pipeline, run_once=once)
            settle_memory()
            async with bot:
                with stop_on_signals(stop):
                    await _run_until_stopped(bot, settings.discord_token, stop)
    return 0


async def _start(bot: DossierBot, token: str) -> None:
    """`bot.start`, with the two ways a start fails for the operator's settings (a token
    Discord refuses, a Discord that cannot be reached) said in one line. Once connected,
    discord.py reconnects by itself."""
    try:
        await bot.start(token)
    except discord.LoginFailure:
        raise StartError("Discord refused DISCORD_TOKEN (401): copy the bot token again from the "
                         "Developer Portal (Bot > Reset Token)") from None
    except discord.PrivilegedIntentsRequired:
        raise StartError("Discord refused the bot's intents: enable them in the Developer Portal "
                         "(Bot > Privileged Gateway Intents)") from None
    except (TimeoutError, aiohttp.ClientConnectionError) as exc:
        raise StartError(f"cannot reach Discord at {current_api_base()}: "
                         f"{exc.__class__.__name__}: {exc}") from None


async def _run_until_stopped(bot: DossierBot, token: str, stop: asyncio.Event) -> None:
    """Run the bot; on a stop signal let the poll loop finish its step and the post in flight
    (bounded), then close the gateway and the HTTP session; the database closes after."""
    running = asyncio.create_task(_start(bot, token), name="dossier-discord")
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({running, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if not running.done():
            log.info("stopping: finishing the post in flight, then closing Discord")
            poller = bot.get_cog("Poller")
            if isinstance(poller, Poller):
                await poller.finish(GRACE_SECONDS)
            await bot.close()
        await running
    finally:
        stopped.cancel()
