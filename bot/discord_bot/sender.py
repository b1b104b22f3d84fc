"""Drain the outbox to Discord: one embed per update, one digest per backlog, edits for revisions.

Save before you post: rows exist before anything is sent and carry a fixed nonce (sent with
`enforce_nonce`), so a crash between sending and marking cannot post twice. Failures lose
nothing: 429 and 5xx are retried later with bounded backoff; 403 and 404 (missing permission,
deleted channel) hold the rows, flag the topic's channel as broken and tell the admins.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import discord

from bot.discord_bot import NO_MENTIONS
from bot.render.embed import render_digest
from bot.service.alerts import mention_for
from storage import alerts, delivery, outbox
from storage.db import Database, utcnow
from storage.outbox import OutboxRow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BASE_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)


def retry_delay(attempts: int, retry_after: float | None = None) -> timedelta:
    """Exponential backoff per row, never shorter than what Discord asked for."""
    delay = min(BASE_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY)
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay


@dataclass
class DrainReport:
    sent: int = 0
    edited: int = 0
    digests: int = 0
    retried: int = 0
    held: int = 0
    waiting_for_channel: int = 0


class Sender:
    def __init__(self, client: discord.Client, db: Database, *,
                 review_view_factory: Callable[[int], discord.ui.View] | None = None,
                 stop: asyncio.Event | None = None) -> None:
        self.client = client
        self.db = db
        self.review_view_factory = review_view_factory  # builds Accept/Reject buttons
        self.stop = stop  # once set, no new post starts (the one in flight finishes)

    @property
    def stopping(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    async def drain(self, *, now: datetime | None = None) -> DrainReport:
        report = DrainReport()
        rows = await outbox.pending(self.db, None, now=now or utcnow())
        groups: dict[tuple[int, int | None, bool], list[OutboxRow]] = {}
        for row in rows:
            key = (row.guild_id, row.topic_id, row.proposal_id is not None)
            groups.setdefault(key, []).append(row)
        for (guild_id, topic_id, review), group in groups.items():
            if self.stopping:
                break
            dest = await delivery.destination(self.db, guild_id, topic_id, review)
            if dest.channel_id is None:
                report.waiting_for_channel += len(group)
                continue
            if dest.broken:
                # Keep order: new updates wait with the held ones until an admin fixes the channel.
                await outbox.hold(self.db, [r.id for r in group], error=dest.broken)
                report.held += len(group)
                continue
            await self._deliver(dest, group, report)
        return report

    async def _deliver(self, dest: delivery.Destination, rows: Sequence[OutboxRow],
                       report: DrainReport) -> None:
        assert dest.channel_id is not None
        channel = self.client.get_partial_messageable(dest.channel_id, guild_id=dest.guild_id)
        backlog = [r for r in rows if r.backlog and not dest.is_review]
        if len(backlog) > 1:
            ok = await self._attempt(dest, backlog, report, self._send_digest(channel, backlog))
            if not ok:
                return
            report.digests += 1
        for row in rows:
            if self.stopping:
                return
            if row in backlog and len(backlog) > 1:
                continue
            if not await self._attempt(dest, [row], report, self._send_one(channel, dest, row)):
                return

    async def _send_digest(self, channel: discord.PartialMessageable,
                           rows: Sequence[OutboxRow]) -> tuple[int, str]:
        from bot.render.jsonl import change_from_json

        changes = [change_from_json(r.payload) for r in rows]
        embed = discord.Embed.from_dict(render_digest(changes, title=_digest_title(changes)))
        message = await channel.send(embed=embed, nonce=rows[0].nonce,
                                     allowed_mentions=NO_MENTIONS)
        return message.id, "sent"

    async def _send_one(self, channel: discord.PartialMessageable, dest: delivery.Destination,
                        row: OutboxRow) -> tuple[int, str]:
        embed = discord.Embed.from_dict(row.embed)
        if row.kind == "article_revised" and row.article_id is not None:
            previous = await outbox.sent_message_for_article(
                self.db, row.guild_id, row.article_id, row.topic_id
            )
            if previous and previous.message_id and previous.channel_id == dest.channel_id:
                message = channel.get_partial_message(previous.message_id)
                try:
                    await message.edit(embed=embed, allowed_mentions=NO_MENTIONS)
                    return previous.message_id, "edited"
                except discord.NotFound:
                    pass  # the old message was deleted: post the revision as a new one
        kwargs = {}
        if dest.is_review and row.proposal_id is not None and self.review_view_factory:
            kwargs["view"] = self.review_view_factory(row.proposal_id)
        mentions, content = NO_MENTIONS, None
        role_id = await self._alert_role(dest, row)
        if role_id is not None:  # exactly that role may be pinged; nothing in the embed can
            content = f"<@&{role_id}>"
            mentions = discord.AllowedMentions(everyone=False, users=False, replied_user=False,
                                               roles=[discord.Object(role_id)])
        message = await channel.send(content, embed=embed, nonce=row.nonce, allowed_mentions=mentions,
                                     **kwargs)
        return message.id, "sent"

    async def _alert_role(self, dest: delivery.Destination, row: OutboxRow) -> int | None:
        """The role an admin asked to be mentioned on this kind of update (opt-in)."""
        if dest.is_review or row.topic_id is None:
            return None
        alert = await alerts.topic_alert(self.db, row.topic_id)
        confident = bool(row.payload.get("confident")) if isinstance(row.payload, dict) else False
        return mention_for(alert, kind=row.kind, confident=confident, backlog=row.backlog,
                           review=row.proposal_id is not None)

    async def _attempt(self, dest: delivery.Destination, rows: Sequence[OutboxRow],
                       report: DrainReport, send: Awaitable[tuple[int, str]]) -> bool:
        """Run one send; record its outcome on the rows. False: stop this destination for now."""
        ids = [r.id for r in rows]
        assert dest.channel_id is not None
        try:
            message_id, how = await send
        except (discord.Forbidden, discord.NotFound) as exc:
            error = f"{exc.status} {exc.text or type(exc).__name__} in channel {dest.channel_id}"
            await self._hold_destination(dest, error, report)
            return False
        except (discord.RateLimited, discord.DiscordServerError, discord.HTTPException,
                OSError) as exc:
            retry_after = getattr(exc, "retry_after", None)
            attempts = max(r.attempts for r in rows) + 1
            error = _describe(exc)
            if attempts >= MAX_ATTEMPTS:
                log.error("giving up for now on %d update(s) after %d attempts: %s",
                          len(ids), attempts, error)
                await outbox.hold(self.db, ids, error=f"gave up after {attempts} attempts: {error}")
                report.held += len(ids)
            else:
                await outbox.mark_retry(self.db, ids, error=error,
                                        retry_at=utcnow() + retry_delay(attempts, retry_after))
                report.retried += len(ids)
            return False
        await outbox.mark_sent(self.db, ids, channel_id=dest.channel_id, message_id=message_id)
        if how == "edited":
            report.edited += 1
        else:
            report.sent += len(ids)
        return True

    async def _hold_destination(self, dest: delivery.Destination, error: str,
                                report: DrainReport) -> None:
        """Keep every pending row for this channel; flag it and tell the admins once."""
        assert dest.channel_id is not None
        rows = [r for r in await outbox.pending(self.db, dest.guild_id, limit=10_000)
                if r.topic_id == dest.topic_id and (r.proposal_id is not None) == dest.is_review]
        await outbox.hold(self.db, [r.id for r in rows], error=error)
        report.held += len(rows)
        first_time = await delivery.mark_channel_broken(self.db, dest.guild_id, dest.channel_id,
                                                        error)
        log.warning("cannot post to channel %s (topic %s): %s", dest.channel_id, dest.topic_key,
                    error)
        admin = await delivery.admin_channel(self.db, dest.guild_id)
        if first_time and admin and admin != dest.channel_id:
            text = (f"Dossier cannot post updates for topic `{dest.topic_key}` to "
                    f"<#{dest.channel_id}> ({error}). Updates are kept; fix the channel's "
                    "permissions or pick another channel with /admin channel, and they will "
                    "be posted.")
            try:
                await self.client.get_partial_messageable(admin, guild_id=dest.guild_id).send(
                    text, allowed_mentions=NO_MENTIONS
                )
            except discord.HTTPException as exc:
                log.warning("could not tell the admins either: %s", _describe(exc))


def _digest_title(changes: Sequence) -> str:
    topic = changes[0].topic_title if changes else "Dossier"
    return f"{len(changes)} updates from new feeds: {topic}"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, discord.RateLimited):
        return f"rate limited for {exc.retry_after:.0f}s"
    if isinstance(exc, discord.HTTPException):
        return f"HTTP {exc.status}: {exc.text or type(exc).__name__}"
    return f"{type(exc).__name__}: {exc}"
