"""The background loop: poll feeds, then drain the outbox to Discord.

Owned by this cog: started in `cog_load`, cancelled in `cog_unload`, waits for the bot to be
ready. One failing cycle is logged with its traceback and the loop goes on; if the loop itself
ends, it says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from discord.ext import commands

from bot.discord_bot.sender import Sender
from bot.startup import seconds_to_next_poll

if TYPE_CHECKING:
    from bot.discord_bot.client import DossierBot

log = logging.getLogger(__name__)


class Poller(commands.Cog):
    def __init__(self, bot: DossierBot, sender: Sender) -> None:
        self.bot = bot
        self.sender = sender
        self.wake = asyncio.Event()  # set by admin commands (new feed, channel fixed)
        self._task: asyncio.Task[None] | None = None
        self.cycles = 0

    async def cog_load(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="dossier-poller")
        self._task.add_done_callback(self._report_end)

    async def cog_unload(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def finish(self, grace: float) -> None:
        """On a stop signal: let the cycle step and the post in flight end (the pipeline and the
        sender watch the stop event), for at most `grace` seconds, then cancel the loop."""
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(self._task), timeout=grace)
        if not self._task.done():
            log.warning("the poll loop did not stop within %.0f s; cancelling it", grace)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @staticmethod
    def _report_end(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.critical("the poll loop died", exc_info=task.exception())

    async def tick(self, *, force: bool = False) -> None:
        """One cycle: poll due feeds (all with `force`), then post what is pending."""
        report = await self.bot.pipeline.run_cycle(force=force)
        if report.polled:
            log.info("cycle: %d polled, %d failed, %d updates queued", report.polled,
                     report.failed, len(report.outbox_ids))
        drained = await self.sender.drain()
        if drained.held or drained.retried:
            log.warning("outbox: %s", drained)
        self.cycles += 1

    async def _loop(self) -> None:
        await self.bot.wait_until_ready()
        first = True
        stop = self.bot.pipeline.stop
        while not self.bot.is_closed() and not stop.is_set():
            self.wake.clear()  # before the cycle, so a wake-up during it is not lost
            try:
                await self.tick(force=first and self.bot.run_once)
            except Exception:
                log.exception("poll cycle failed; trying again next cycle")
            first = False
            if self.bot.run_once:
                await self.bot.close()
                return
            woken = asyncio.ensure_future(self.wake.wait())
            stopped = asyncio.ensure_future(stop.wait())
            try:
                await asyncio.wait({woken, stopped}, timeout=await seconds_to_next_poll(self.bot.db),
                                   return_when=asyncio.FIRST_COMPLETED)
            finally:
                woken.cancel()
                stopped.cancel()

