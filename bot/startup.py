"""What every run mode needs at start: thresholds from the settings, the fetcher, the config
with each claim's initial figures.

Console mode (`bot.runner`) and Discord mode (`bot.discord_bot.app`) both build on these, so
they live below both: the run layer imports the Discord layer (to start it), never the
other way round.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from dataclasses import replace
from datetime import timedelta

from bot.checkpoint import checkpoint
from bot.config import Config
from bot.enrich import ArticleReader
from bot.fetch.article import ArticleFetcher
from bot.fetch.client import Fetcher
from bot.match.semantic import SemanticScorer, scorer_for
from bot.match.thresholds import Thresholds
from bot.settings import Settings
from storage import article_pages as page_store
from storage import feeds as feed_store
from storage import wording_vectors
from storage.db import Database, utcnow
from storage.delivery import SEMANTIC_STATUS_KEY, get_meta, set_meta

log = logging.getLogger(__name__)

SEMANTIC_WEIGHTS_KEY = "semantic.weights"  # the verified weights file's stamp and sha256 (JSON)


MIN_SLEEP = timedelta(seconds=5)  # between cycles: never a busy loop on a feed that is overdue
MAX_SLEEP = timedelta(seconds=60)  # and never deaf for long to a feed added meanwhile


async def sync_feeds(db: Database, config: Config) -> None:
    """feeds.yaml's feeds into the database, with each feed's article-fetch mode; the file's
    feeds it no longer lists stop being polled unless a server subscribes to them."""
    await feed_store.sync_config_feeds(db, config.feeds)
    for line in await feed_store.pause_removed_config_feeds(db, [f.url for f in config.feeds]):
        log.info("%s", line)
    await page_store.sync_fetch_modes(db, [(f.url, f.fetch_article) for f in config.feeds])


async def seconds_to_next_poll(db: Database) -> float:
    """How long the poll loop sleeps: until the next feed is due, within MIN_SLEEP..MAX_SLEEP."""
    due = await feed_store.next_due_at(db)
    if due is None:
        return MAX_SLEEP.total_seconds()
    return min(max(due - utcnow(), MIN_SLEEP), MAX_SLEEP).total_seconds()


def thresholds_for(settings: Settings) -> Thresholds:
    """The configured thresholds, each falling back to the matcher's tuned default."""
    default = Thresholds()
    return Thresholds(
        low=settings.match_low if settings.match_low is not None else default.low,
        high=settings.match_high if settings.match_high is not None else default.high,
    )


def initial_figures(statement: str) -> tuple[str, ...]:
    """The figures a claim's statement names (its initial figures when feeds.yaml lists none);
    the matcher's modules are imported on first use (storage.topics.install_topics asks only
    for a claim that is new or changed)."""
    from bot.match.figures import extract_figures

    return extract_figures(statement)


def with_initial_figures(config: Config) -> Config:
    """Claims start with the figures their statements name ("8,000 terabytes" -> 8,000 TB)."""
    from bot.match.figures import seed_claim_figures  # the lemmatiser's imports: when there are claims

    return replace(config, topics=seed_claim_figures(config.topics))


def make_fetcher(settings: Settings) -> Fetcher:
    return Fetcher(allow_private=settings.allow_private_feeds)


def make_reader(settings: Settings, *, allow_private: bool | None = None) -> ArticleReader:
    """Reads the article page behind short entries; pages are always behind the SSRF guard
    unless private addresses are allowed (DOSSIER_ALLOW_PRIVATE_FEEDS, or the offline demo)."""
    private = settings.allow_private_feeds if allow_private is None else allow_private
    return ArticleReader(ArticleFetcher(allow_private=private),
                         short_chars=settings.article_short_chars)


def semantic_scorer(settings: Settings, config: Config) -> SemanticScorer:
    """On unless DOSSIER_SEMANTIC=off or feeds.yaml `matching: {semantic: off}`."""
    return scorer_for(setting=settings.semantic, config=config.matching.semantic,
                      model_dir=settings.semantic_model, threads=settings.embed_threads)


def match_questions(settings: Settings, config: Config, *, console: bool = False) -> bool:
    """Ask admins about uncertain matches? off wins (DOSSIER_MATCH_QUESTIONS=off or feeds.yaml
    `matching: {questions: off}`), then an explicit on; unset, ask on Discord only: the console
    has no review queue to answer in, and its JSON lines stay updates only (a stable interface)."""
    if settings.match_questions is False or config.matching.questions is False:
        return False
    if settings.match_questions or config.matching.questions:
        return True
    return not console


async def note_semantic(db: Database, scorer: SemanticScorer) -> None:
    """At start, without loading the model: record off / on / unavailable for feed health.

    Loading waits until a cycle queues an article (`Pipeline`, which calls `start_semantic`
    then, in a worker thread beside the fetches): a cycle that finds nothing new (every feed
    304) never reads the 91 MB of weights. A model that is not there at all (package or file
    missing) is known now: logged once, and feed health says lexical-only from the start.
    """
    scorer.locate()
    await set_meta(db, SEMANTIC_STATUS_KEY, scorer.status)


async def start_semantic(db: Database, scorer: SemanticScorer) -> None:
    """Load the model once, off the event loop, and record on / off / unavailable for feed health.

    A model that cannot load is logged once (by the scorer) and matching goes on lexical-only.
    What an earlier start computed is reused: the weights' sha256 while the file is unchanged
    (`semantic.weights`, see semantic.file_stamp) and the claim wordings' embeddings
    (storage/wording_vectors.py; the pipeline stores new ones after each cycle).
    """
    if scorer.enabled:
        scorer.embedder.verified = await get_meta(db, SEMANTIC_WEIGHTS_KEY)
    await asyncio.to_thread(scorer.available)
    await set_meta(db, SEMANTIC_STATUS_KEY, scorer.status)
    checkpoint("semantic")  # each write here is its own transaction, and each is a cache:
    if not scorer.available():  # a crash between them costs the next start a recomputation
        return
    stamp = scorer.embedder.weights_stamp
    if stamp is not None and stamp != scorer.embedder.verified:
        await set_meta(db, SEMANTIC_WEIGHTS_KEY, stamp)
    checkpoint("semantic")
    stored = await wording_vectors.load(db, scorer.embedder.model_key)
    kept = await asyncio.to_thread(scorer.preload_wordings, stored)
    if kept < len(stored):
        log.warning("%d stored wording embeddings were damaged; they are computed again", len(stored) - kept)


def settle_memory() -> None:
    """Before reading feeds.yaml (the imports), after start-up (config, database, the model when
    on), and once the first matcher has loaded the word lists (bot.pipeline): move every object alive
    now out of the cyclic collector's reach, so a full collection scans only what the cycles
    allocate (after the first matcher: 6 ms less per full collection). Without a `gc.collect()`
    first: a full collection of the start-up heap costs 80-150 ms on the event loop (the worst
    stall a cold start had), while the cyclic garbage the imports leave is ~1,600 objects, kept
    for good; the second freeze may keep a batch's cyclic garbage, once. `gc.freeze()` itself
    is O(1)."""
    gc.freeze()
