"""Admin commands: one `/admin` group, hidden from members and checked again at run time.

`default_permissions=Manage Server` only hides the commands in Discord's UI (and a server
can change that in its integration settings), so every command also runs `admin_check()`:
Manage Server, or the role named in DOSSIER_ADMIN_ROLE. A refusal is a private message and
nothing changes. Commands parse arguments, call bot.service.admin / review with this server's
id and the acting admin, and confirm privately. Feed and channel changes wake the poller.
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.discord_bot import NO_MENTIONS
from bot.discord_bot import format as fmt
from bot.discord_bot.autocomplete import (
    claim_choices,
    claim_choices_for,
    feed_choices,
    proposal_choices,
    topic_choices,
)
from bot.discord_bot.client import admin_check
from bot.discord_bot.cogs.common import ServerCog, default_thresholds, guild_id
from bot.discord_bot.feed_picker import FeedPicker
from bot.discord_bot.paginate import send_pages
from bot.models import Status
from bot.render.sanitize import clean
from bot.service import admin as service
from bot.service import alerts as alerts_service
from bot.service import browse, opml
from bot.service import discover as discover_service
from bot.service import health as health_service
from bot.service import review as review_service
from bot.service.errors import InvalidInputError

if TYPE_CHECKING:
    from bot.discord_bot.client import DossierBot

log = logging.getLogger(__name__)

STATUS_CHOICES = [app_commands.Choice(name=s.value, value=s.value) for s in Status]
# What the bot needs in a channel to post updates there.
POST_PERMISSIONS = ("view_channel", "send_messages", "embed_links", "read_message_history")


def actor(interaction: discord.Interaction) -> dict[str, object]:
    return {"actor_id": interaction.user.id, "actor_name": str(interaction.user)}


async def done(interaction: discord.Interaction, text: str, *,
               embed: discord.Embed | None = None) -> None:
    """A private confirmation for the admin who acted."""
    kwargs = {"embed": embed} if embed is not None else {}
    await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS, **kwargs)


def code(text: object, limit: int = 100) -> str:
    """Echo a value in inline code: no backticks inside, one line, cut."""
    value = " ".join(str(text).replace("`", "'").split())
    value = value if len(value) <= limit else value[: limit - 1] + "…"
    return f"`{value}`"


def _notify_text(setting: alerts_service.NotifySetting, *, prefix: str) -> str:
    if not setting.active:
        return f"{prefix}, updates of `{setting.topic_key}` mention no one (the default)."
    return (f"{prefix}, confident {', '.join(setting.kinds)} updates of `{setting.topic_key}` "
            f"mention <@&{setting.role_id}> in the topic's channel (never digests or review posts).")


def missing_permissions(interaction: discord.Interaction, channel_id: int) -> list[str]:
    """Permissions the bot lacks in a channel (empty when unknown: Discord will tell us later)."""
    guild = interaction.guild
    if guild is None or guild.me is None:
        return []
    channel = guild.get_channel(channel_id)
    if channel is None:
        return []
    perms = channel.permissions_for(guild.me)
    return [name.replace("_", " ").title() for name in POST_PERMISSIONS if not getattr(perms, name)]


def require_post_permissions(interaction: discord.Interaction, channel: discord.TextChannel) -> None:
    """Refuse a channel the bot cannot post in before anything is changed."""
    missing = missing_permissions(interaction, channel.id)
    if missing:
        raise InvalidInputError(f"I cannot post in {channel.mention}: I am missing "
                                f"{', '.join(missing)} there. Nothing was changed.")


class Admin(ServerCog):
    """Server admins: topics, claims, feeds, channels, thresholds, the review queue, the audit log."""

    admin = app_commands.Group(
        name="admin", description="Manage Dossier in this server (admins only)",
        default_permissions=discord.Permissions(manage_guild=True), guild_only=True,
    )
    topic = app_commands.Group(name="topic", description="Add, rename, re-key or remove topics", parent=admin)
    claim = app_commands.Group(name="claim", description="Add, edit, retire or merge claims", parent=admin)
    feed = app_commands.Group(name="feed", description="Add, remove, pause or resume feeds", parent=admin)
    review = app_commands.Group(name="review", description="The queue of proposed changes", parent=admin)

    def __init__(self, bot: DossierBot) -> None:
        self.bot = bot

    # --- topics ---------------------------------------------------------------------------

    @topic.command(name="add", description="Track a new topic in this server")
    @app_commands.describe(
        key="Short id: lowercase letters, digits and dashes (e.g. acme-recall)",
        title="The topic's title",
        keywords="Relevance gate: groups separated by ';', words by ',' (e.g. acme; recall, lawsuit)",
        exclude="Words that rule an article out, separated by ','",
    )
    @admin_check()
    async def topic_add(self, interaction: discord.Interaction, key: str, title: str, keywords: str,
                        exclude: str = "") -> None:
        detail = await service.add_topic(self.bot.db, guild_id(interaction), key, title, keywords,
                                         exclude=exclude, **actor(interaction))
        await done(interaction, f"Topic {code(detail.key)} added. Add claims with `/admin claim add`, "
                                f"and pick its channel with `/admin channel`.")

    @topic.command(name="rename", description="Change a topic's title")
    @app_commands.describe(topic="The topic", title="Its new title")
    @app_commands.autocomplete(topic=topic_choices)
    @admin_check()
    async def topic_rename(self, interaction: discord.Interaction, topic: str, title: str) -> None:
        detail = await service.rename_topic(self.bot.db, guild_id(interaction), topic, title,
                                            **actor(interaction))
        await done(interaction, f"Topic {code(detail.key)} is now titled “{clean(detail.title, 200)}”.")

    @topic.command(name="keywords", description="Replace a topic's keyword gate")
    @app_commands.describe(topic="The topic", keywords="Groups separated by ';', words by ','")
    @app_commands.autocomplete(topic=topic_choices)
    @admin_check()
    async def topic_keywords(self, interaction: discord.Interaction, topic: str, keywords: str) -> None:
        detail = await service.set_keywords(self.bot.db, guild_id(interaction), topic, keywords,
                                            **actor(interaction))
        gate = " AND ".join("(" + ", ".join(clean(w, 60) for w in g) + ")" for g in detail.keywords)
        await done(interaction, f"Keywords of {code(detail.key)}: {gate}")

    @topic.command(name="exclude", description="Replace the words that rule an article out")
    @app_commands.describe(topic="The topic", words="Words separated by ','; empty clears them")
    @app_commands.autocomplete(topic=topic_choices)
    @admin_check()
    async def topic_exclude(self, interaction: discord.Interaction, topic: str, words: str = "") -> None:
        detail = await service.set_excludes(self.bot.db, guild_id(interaction), topic, words,
                                            **actor(interaction))
        shown = ", ".join(clean(w, 60) for w in detail.exclude) or "none"
        await done(interaction, f"Excluded words of {code(detail.key)}: {shown}")

    @topic.command(name="remove", description="Stop tracking a topic (its claims and history go too)")
    @app_commands.describe(topic="The topic", confirm="Set to True to really remove it")
    @app_commands.autocomplete(topic=topic_choices)
    @admin_check()
    async def topic_remove(self, interaction: discord.Interaction, topic: str, confirm: bool) -> None:
        if not confirm:  # an unknown key is said now, not after the admin confirms
            found = await browse.require_topic(self.bot.db, guild_id(interaction), topic)
            claims = found.active_claims + found.retired_claims
            raise InvalidInputError(f"Nothing was removed: run it again with `confirm: True` to remove "
                                    f"{code(found.key)} and its {claims} claim(s) with their history.")
        removed = await service.remove_topic(self.bot.db, guild_id(interaction), topic, **actor(interaction))
        await done(interaction, f"Topic {code(removed.key)} (“{clean(removed.title, 200)}”) was removed.")

    # --- claims ---------------------------------------------------------------------------

    @claim.command(name="add", description="Add a claim to a topic")
    @app_commands.describe(topic="The topic", key="Short id for the claim (e.g. review)",
                           statement="The claim as one sentence", status="Where it stands")
    @app_commands.autocomplete(topic=topic_choices)
    @app_commands.choices(status=STATUS_CHOICES)
    @admin_check()
    async def claim_add(self, interaction: discord.Interaction, topic: str, key: str, statement: str,
                        status: str) -> None:
        detail = await service.add_claim(self.bot.db, guild_id(interaction), topic, key, statement, status,
                                         **actor(interaction))
        await done(interaction, f"Claim {code(detail.key)} added to {code(detail.topic_key)}.",
                   embed=fmt.claim_embed(detail))

    @claim.command(name="edit", description="Change a claim's statement (recorded as a revision)")
    @app_commands.describe(topic="The topic", claim="The claim", statement="The new statement")
    @app_commands.autocomplete(topic=topic_choices, claim=claim_choices)
    @admin_check()
    async def claim_edit(self, interaction: discord.Interaction, topic: str, claim: str,
                         statement: str) -> None:
        change = await service.edit_statement(self.bot.db, guild_id(interaction), topic, claim, statement,
                                              **actor(interaction))
        await self._changed(interaction, change, "statement updated")

    @claim.command(name="status", description="Set a claim's status (recorded as a revision)")
    @app_commands.describe(topic="The topic", claim="The claim", status="The new status")
    @app_commands.autocomplete(topic=topic_choices, claim=claim_choices)
    @app_commands.choices(status=STATUS_CHOICES)
    @admin_check()
    async def claim_status(self, interaction: discord.Interaction, topic: str, claim: str,
                           status: str) -> None:
        change = await service.set_status(self.bot.db, guild_id(interaction), topic, claim, status,
                                          **actor(interaction))
        await self._changed(interaction, change,
                            f"status {change.before.status.value} → {change.after.status.value}")

    @claim.command(name="figure", description="Add a figure to a claim (e.g. 11,500 TB)")
    @app_commands.describe(topic="The topic", claim="The claim", figure="The figure as sources write it")
    @app_commands.autocomplete(topic=topic_choices, claim=claim_choices)
    @admin_check()
    async def claim_figure(self, interaction: discord.Interaction, topic: str, claim: str,
                           figure: str) -> None:
        change = await service.add_figure(self.bot.db, guild_id(interaction), topic, claim, figure,
                                          **actor(interaction))
        await self._changed(interaction, change, f"figure {code(figure, 60)} added")

    @claim.command(name="source", description="Add a source (outlet) to a claim")
    @app_commands.describe(topic="The topic", claim="The claim", source="The outlet, e.g. The Guardian")
    @app_commands.autocomplete(topic=topic_choices, claim=claim_choices)
    @admin_check()
    async def claim_source(self, interaction: discord.Interaction, topic: str, claim: str,
                           source: str) -> None:
        change = await service.add_source(self.bot.db, guild_id(interaction), topic, claim, source,
                                          **actor(interaction))
        await self._changed(interaction, change, f"source {code(source, 60)} added")

    @claim.command(name="retire", description="Stop matching a claim; its history stays readable")
    @app_commands.describe(topic="The topic", claim="The claim", reason="Why (kept in its history)")
    @app_commands.autocomplete(topic=topic_choices, claim=claim_choices)
    @admin_check()
    async def claim_retire(self, interaction: discord.Interaction, topic: str, claim: str,
                           reason: str = "") -> None:
        detail = await service.retire_claim(self.bot.db, guild_id(interaction), topic, claim, reason=reason,
                                            **actor(interaction))
        await done(interaction, f"Claim {code(detail.topic_key)} › {code(detail.key)} retired; "
                                "`/claim` still shows its history.")

    @claim.command(name="unlearn", description="Remove an example the matcher learnt from a review decision")
    @app_commands.describe(topic="The topic", claim="The claim",
                           example="The example's number, as /claim lists it (e.g. 12)")
    @app_commands.autocomplete(topic=topic_choices, claim=claim_choices)
    @admin_check()
    async def claim_unlearn(self, interaction: discord.Interaction, topic: str, claim: str,
                            example: app_commands.Range[int, 1]) -> None:
        removed = await service.remove_example(self.bot.db, guild_id(interaction), topic, claim, example,
                                               **actor(interaction))
        kind = "example" if removed.kind == "positive" else "\"not related\" example"
        await done(interaction, f"Removed {kind} #{removed.id} from {code(topic)} › {code(claim)}: "
                                f"{clean(removed.text, 300)}")

    @claim.command(name="merge", description="Fold a duplicate claim into another (the duplicate is retired)")
    @app_commands.describe(topic="The duplicate's topic", claim="The duplicate claim",
                           into_topic="The topic of the claim to keep", into_claim="The claim to keep")
    @app_commands.autocomplete(topic=topic_choices, claim=claim_choices, into_topic=topic_choices,
                               into_claim=claim_choices_for("into_topic"))
    @admin_check()
    async def claim_merge(self, interaction: discord.Interaction, topic: str, claim: str,
                          into_topic: str, into_claim: str) -> None:
        outcome = await service.merge_claims(self.bot.db, guild_id(interaction), topic, claim, into_topic,
                                             into_claim, **actor(interaction))
        (st, sc), (tt, tc) = outcome.source, outcome.target
        await done(interaction, f"Merged {code(st)} › {code(sc)} into {code(tt)} › {code(tc)} "
                                f"(revision {outcome.rev}; {outcome.moved_matches} matched articles and "
                                f"{outcome.moved_proposals} proposals moved). The duplicate is retired.")

    async def _changed(self, interaction: discord.Interaction, change: service.ClaimChange,
                       what: str) -> None:
        detail = await browse.claim_detail(self.bot.db, guild_id(interaction), change.topic_key,
                                           change.claim_key)
        await done(interaction, f"{code(change.topic_key)} › {code(change.claim_key)}: {what} "
                                f"(revision {change.rev}).", embed=fmt.claim_embed(detail))

    # --- feeds ----------------------------------------------------------------------------

    @feed.command(name="add", description="Follow a feed (RSS/Atom), or the feeds a web page declares")
    @app_commands.describe(url="The feed's http(s) URL, or a site / article page that declares its feeds",
                           name="A display name",
                           interval="How often to poll, e.g. 15m, 1h (default 15m)")
    @admin_check()
    async def feed_add(self, interaction: discord.Interaction, url: str, name: str | None = None,
                       interval: str | None = None) -> None:
        target = service.check_feed_args(url, name=name, interval=interval)
        allow = self.bot.settings.allow_private_feeds
        await interaction.response.defer(ephemeral=True, thinking=True)  # the address is fetched once
        found = await discover_service.discover(self.bot.pipeline.fetcher, target, allow_private=allow)

        async def follow(it: discord.Interaction, feed_url: str) -> str:
            added = await service.add_feed(self.bot.db, guild_id(it), feed_url, name=name, interval=interval,
                                           allow_private=allow, **actor(it))
            self.bot.wake_poller()
            shared = "" if added.created else " (already polled for another server: shared, fetched once)"
            found_in = f" (declared by {code(target, 200)})" if feed_url != target else ""
            note = f" {found.note}; it is added as given." if found.note else ""
            return (f"Following {code(added.feed.url, 300)}{found_in}{shared}. "
                    f"It is polled shortly; see `/feeds`.{note}")

        if len(found.feeds) > 1:
            picker = FeedPicker(interaction.user.id, found.feeds, follow)
            await interaction.followup.send(
                f"{code(target, 200)} is a web page declaring {len(found.feeds)} feeds. Pick one:",
                view=picker, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        text = await follow(interaction, found.feeds[0].url if found.feeds else target)
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @feed.command(name="remove", description="Stop following a feed in this server")
    @app_commands.describe(url="The feed's URL")
    @app_commands.autocomplete(url=feed_choices)
    @admin_check()
    async def feed_remove(self, interaction: discord.Interaction, url: str) -> None:
        removed = await service.remove_feed(self.bot.db, guild_id(interaction), url, **actor(interaction))
        self.bot.wake_poller()
        await done(interaction, f"No longer following {code(removed.url, 300)}.")

    @feed.command(name="pause", description="Pause a feed for this server")
    @app_commands.describe(url="The feed's URL")
    @app_commands.autocomplete(url=feed_choices)
    @admin_check()
    async def feed_pause(self, interaction: discord.Interaction, url: str) -> None:
        health = await service.pause_feed(self.bot.db, guild_id(interaction), url, **actor(interaction))
        self.bot.wake_poller()
        await done(interaction, f"Paused {code(health.url, 300)} for this server. `/admin feed resume` "
                                "starts it again.")

    @feed.command(name="resume", description="Resume a paused feed")
    @app_commands.describe(url="The feed's URL")
    @app_commands.autocomplete(url=feed_choices)
    @admin_check()
    async def feed_resume(self, interaction: discord.Interaction, url: str) -> None:
        health = await service.resume_feed(self.bot.db, guild_id(interaction), url, **actor(interaction))
        self.bot.wake_poller()
        await done(interaction, f"Resumed {code(health.url, 300)}; it is polled shortly.")

    @feed.command(name="import", description="Follow every feed of an OPML file (from another reader)")
    @app_commands.describe(file="An .opml file: at most 1 MB and 2,000 outlines")
    @admin_check()
    async def feed_import(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        if file.size > opml.MAX_BYTES:
            raise opml.too_large(file.size)
        await interaction.response.defer(ephemeral=True, thinking=True)  # SSRF checks take a moment
        try:
            data = await file.read()
        except discord.HTTPException as exc:
            raise InvalidInputError(f"I could not download the file ({exc.status}). Nothing was changed.") \
                from None
        report = await opml.import_guild(self.bot.db, guild_id(interaction), data, **actor(interaction),
                                         allow_private=self.bot.settings.allow_private_feeds)
        if report.added:
            self.bot.wake_poller()
        lines = [report.summary()]
        lines += [f"+ {code(u, 150)}" for u in report.added[:15]]
        if len(report.added) > 15:
            lines.append(f"… and {len(report.added) - 15} more (see `/feeds`)")
        lines += [f"= {code(u, 150)} (already followed)" for u in report.skipped[:5]]
        await interaction.followup.send("\n".join(lines)[:1900], ephemeral=True, allowed_mentions=NO_MENTIONS)

    @feed.command(name="export", description="This server's feeds as an OPML file (for another reader)")
    @admin_check()
    async def feed_export(self, interaction: discord.Interaction) -> None:
        text = await opml.export_guild(self.bot.db, guild_id(interaction))
        await interaction.response.send_message(
            "This server's feeds, as OPML.", ephemeral=True, allowed_mentions=NO_MENTIONS,
            file=discord.File(io.BytesIO(text.encode("utf-8")), filename="dossier-feeds.opml"))

    @feed.command(name="article", description="Read the article page behind the feed's entries?")
    @app_commands.describe(url="The feed's URL",
                           mode="auto: short summaries only (default); always; never")
    @app_commands.choices(mode=[app_commands.Choice(name=m, value=m) for m in ("auto", "always", "never")])
    @app_commands.autocomplete(url=feed_choices)
    @admin_check()
    async def feed_article(self, interaction: discord.Interaction, url: str, mode: str) -> None:
        mode = await service.set_feed_fetch_article(self.bot.db, guild_id(interaction), url, mode,
                                                    **actor(interaction))
        await done(interaction, f"Article pages for {code(url, 300)}: **{mode}**.")

    # --- channels, thresholds, audit -------------------------------------------------------

    @admin.command(name="channel", description="Where a topic's updates are posted")
    @app_commands.describe(topic="The topic", channel="The text channel for its updates")
    @app_commands.autocomplete(topic=topic_choices)
    @admin_check()
    async def channel(self, interaction: discord.Interaction, topic: str,
                      channel: discord.TextChannel) -> None:
        require_post_permissions(interaction, channel)
        result = await service.set_topic_channel(self.bot.db, guild_id(interaction), topic, channel.id,
                                                 **actor(interaction))
        self.bot.wake_poller()
        held = f" {result.released} held update(s) will be posted now." if result.released else ""
        await done(interaction, f"Updates for {code(result.topic_key)} go to <#{result.channel_id}>.{held}")

    @admin.command(name="review-channel", description="Where proposed changes are posted for review")
    @app_commands.describe(channel="A channel only admins can see")
    @admin_check()
    async def review_channel(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        require_post_permissions(interaction, channel)
        result = await service.set_admin_channel(self.bot.db, guild_id(interaction), channel.id,
                                                 **actor(interaction))
        self.bot.wake_poller()
        warning = ""
        guild = interaction.guild
        if guild is not None and channel.permissions_for(guild.default_role).view_channel:
            warning = " Note: everyone in the server can see that channel."
        held = f" {result.released} held update(s) will be posted now." if result.released else ""
        await done(interaction, f"Proposed changes will be posted to <#{result.channel_id}> with "
                                f"Accept / Reject / Not related buttons.{held}{warning}")

    @admin.command(name="thresholds", description="Match score cut-offs: propose at low, apply at high")
    @app_commands.describe(low="Propose for review from this score (0-100); alone, high stays as it is",
                           high="Apply automatically from this score (0-100); alone, low stays as it is",
                           reset="Go back to the bot's defaults")
    @admin_check()
    async def thresholds(self, interaction: discord.Interaction,
                         low: app_commands.Range[float, 0, 100] | None = None,
                         high: app_commands.Range[float, 0, 100] | None = None,
                         reset: bool = False) -> None:
        defaults = default_thresholds(self.bot)
        if reset or low is not None or high is not None:
            if reset:
                low = high = None
            await service.set_thresholds(self.bot.db, guild_id(interaction), low, high,
                                         default_low=defaults.low, default_high=defaults.high,
                                         **actor(interaction))
            prefix = "Thresholds reset to the defaults" if reset else "Thresholds set"
        else:
            prefix = "Thresholds now"
        cur_low, cur_high = await browse.thresholds(self.bot.db, guild_id(interaction),
                                                    default_low=defaults.low, default_high=defaults.high)
        await done(interaction, f"{prefix}: proposed for review from **{cur_low:g}**, applied "
                                f"automatically from **{cur_high:g}** (defaults {defaults.low:g} / "
                                f"{defaults.high:g}).")

    @admin.command(name="audit", description="Every admin action in this server, newest first")
    @app_commands.describe(count="How many entries (1-100, default 50)")
    @admin_check()
    async def audit(self, interaction: discord.Interaction,
                    count: app_commands.Range[int, 1, 100] = 50) -> None:
        page = await service.audit_log(self.bot.db, guild_id(interaction), limit=count)
        pages = fmt.audit_pages(page.entries)
        await send_pages(interaction, pages, ephemeral=True)

    @admin.command(name="notify", description="Mention a role on a topic's updates of chosen kinds (opt-in)")
    @app_commands.describe(
        topic="The topic", role="The role to mention (leave out, or kinds none, to turn alerts off)",
        kinds="status_change, figure_change, new_source, new_development; all; or none")
    @app_commands.autocomplete(topic=topic_choices)
    @admin_check()
    async def notify(self, interaction: discord.Interaction, topic: str, role: discord.Role | None = None,
                     kinds: str | None = None) -> None:
        if role is None and kinds is None:
            current = await alerts_service.get_notify(self.bot.db, guild_id(interaction), topic)
            await done(interaction, _notify_text(current, prefix="Now"))
            return
        if role is not None and kinds is None:
            raise InvalidInputError("Say which updates mention the role: `kinds: status_change, "
                                    "figure_change, new_source, new_development`, `all` or `none`. "
                                    "Nothing was changed.")
        setting = await alerts_service.set_notify(self.bot.db, guild_id(interaction), topic,
                                                  role.id if role else None, kinds or "none",
                                                  **actor(interaction))
        warning = ""
        guild = interaction.guild
        if setting.active and role is not None and guild is not None and guild.me is not None \
                and not role.mentionable and not guild.me.guild_permissions.mention_everyone:
            warning = (" Note: this role is not mentionable and I lack Mention Everyone, so Discord "
                       "will show the mention without notifying anyone.")
        await done(interaction, _notify_text(setting, prefix="From now on") + warning)

    @admin.command(name="status", description="The last poll cycle, failing or paused feeds, backlogs")
    @admin_check()
    async def status(self, interaction: discord.Interaction) -> None:
        report = await health_service.server_status(self.bot.db, guild_id(interaction))
        await interaction.response.send_message(embed=fmt.status_embed(report), ephemeral=True,
                                                allowed_mentions=NO_MENTIONS)

    # --- review queue ----------------------------------------------------------------------

    @review.command(name="list", description="Proposed changes waiting for a decision")
    @admin_check()
    async def review_list(self, interaction: discord.Interaction) -> None:
        page = await review_service.pending(self.bot.db, guild_id(interaction), limit=50)
        await send_pages(interaction, fmt.pending_pages(page.proposals), ephemeral=True)

    @review.command(name="decide", description="Accept, reject or mark unrelated a proposed change")
    @app_commands.describe(proposal="The proposal (start typing its number or claim to pick one)",
                           decision="What to do with it")
    @app_commands.autocomplete(proposal=proposal_choices)
    @app_commands.choices(decision=[app_commands.Choice(name="Accept", value="accept"),
                                    app_commands.Choice(name="Reject", value="reject"),
                                    app_commands.Choice(name="Not related", value="unrelated")])
    @admin_check()
    async def review_decide(self, interaction: discord.Interaction,
                            proposal: app_commands.Range[int, 1], decision: str) -> None:
        outcome = await review_service.decide(self.bot.db, guild_id(interaction), proposal, decision,
                                              **actor(interaction))
        if outcome.state == "accepted":
            self.bot.wake_poller()
        rev = f" (claim revision {outcome.rev})" if outcome.rev else ""
        learnt = ""
        if outcome.example_id is not None:
            kind = "an example of" if outcome.learnt == "positive" else "a \"not related\" example for"
            learnt = (f" Its evidence is now {kind} the claim (#{outcome.example_id}; undo with "
                      "`/admin claim unlearn`).")
        await done(interaction, f"Proposal #{outcome.proposal_id} {outcome.state}{rev}.{learnt}")
