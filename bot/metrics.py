"""Optional Prometheus metrics (`DOSSIER_METRICS_PORT`, off by default), with the standard
client library (prometheus-client): an HTTP endpoint in a daemon thread, fed after every
poll cycle through `bot.cycle_log` and by a small event-loop lag sampler.

Metrics: cycle duration, cycles, entries fetched (new and revised), updates queued by kind,
fetch errors by kind, outbox backlog (pending / held), event-loop lag (sampled by
`bot.monitor.LoopLagMonitor` every 250 ms).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from bot import cycle_log
from bot.monitor import LoopLagMonitor
from storage import health as health_store
from storage import metrics as metrics_store
from storage.db import Database
from storage.health import CycleRecord

log = logging.getLogger(__name__)

LAG_INTERVAL = 0.25  # seconds between loop-lag samples
_ERROR_KINDS = (
    (re.compile(r"^HTTP 4\d\d"), "http_4xx"), (re.compile(r"^HTTP 5\d\d"), "http_5xx"),
    (re.compile(r"^HTTP \d+"), "http_other"), (re.compile(r"timed out"), "timeout"),
    (re.compile(r"cannot resolve"), "dns"), (re.compile(r"^blocked"), "blocked"),
    (re.compile(r"exceeds"), "too_large"), (re.compile(r"redirect"), "redirects"),
    (re.compile(r"connect|connection|refused|reset|ssl|certificate", re.IGNORECASE), "connection"),
)


def error_kind(message: str) -> str:
    """A small fixed set of labels for fetch errors (labels must not grow without bound)."""
    for pattern, kind in _ERROR_KINDS:
        if pattern.search(message or ""):
            return kind
    return "parse" if "pars" in (message or "").lower() or "xml" in (message or "").lower() else "other"


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.cycle_seconds = Histogram("dossier_cycle_duration_seconds", "Poll cycle duration",
                                       buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300), registry=r)
        self.cycles = Counter("dossier_cycles", "Poll cycles finished", registry=r)
        self.last_cycle = Gauge("dossier_last_cycle_end_timestamp_seconds",
                                "When the last poll cycle finished (Unix time)", registry=r)
        self.entries = Counter("dossier_entries_fetched", "New and revised feed entries stored", registry=r)
        self.updates = Counter("dossier_updates", "Updates queued, by kind (review: proposals)",
                               ["kind"], registry=r)
        self.fetch_errors = Counter("dossier_fetch_errors", "Feed fetches that failed, by kind",
                                    ["kind"], registry=r)
        self.backlog = Gauge("dossier_outbox_backlog", "Updates not posted yet", ["state"], registry=r)
        self.loop_lag = Histogram("dossier_event_loop_lag_seconds", "How late the event loop woke up",
                                  buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
                                  registry=r)

    async def observe_cycle(self, db: Database, record: CycleRecord, report: Any) -> None:
        # every query first, then every metric with no await in between: a scrape sees a
        # cycle whole or not at all (it saw the cycle counted and its updates not yet, under load)
        kinds = await metrics_store.update_kinds(db, report.outbox_ids)
        errors = await metrics_store.fetch_errors_since(db, record.started_at) if record.failed else []
        pending, held = await health_store.outbox_backlog(db)
        self.cycle_seconds.observe(record.duration.total_seconds())
        self.cycles.inc()
        self.last_cycle.set(record.finished_at.timestamp())
        self.entries.inc(record.entries)
        for kind, n in kinds.items():
            self.updates.labels(kind=kind).inc(n)
        for message in errors:
            self.fetch_errors.labels(kind=error_kind(message)).inc()
        self.backlog.labels(state="pending").set(pending)
        self.backlog.labels(state="held").set(held)



class _LagToHistogram(LoopLagMonitor):
    """bot.monitor's loop-lag sampler, each sample also observed by the Prometheus histogram."""

    def __init__(self, histogram: Histogram, interval: float = LAG_INTERVAL) -> None:
        super().__init__(interval)
        self.histogram = histogram

    def record(self, lag: float) -> None:
        super().record(lag)
        self.histogram.observe(lag)


class MetricsServer:
    """The endpoint plus its feeders; `async with MetricsServer.start(address)` in bot.runner."""

    def __init__(self, metrics: Metrics, server: Any, port: int) -> None:
        self.metrics = metrics
        self.port = port
        self._server = server
        self._lag = _LagToHistogram(metrics.loop_lag)

    @classmethod
    def start(cls, address: tuple[str, int]) -> MetricsServer:
        metrics = Metrics()
        server, _thread = start_http_server(address[1], addr=address[0], registry=metrics.registry)
        return cls(metrics, server, server.server_port)

    async def __aenter__(self) -> MetricsServer:
        cycle_log.add_observer(self.metrics.observe_cycle)
        self._lag.start()
        log.info("Prometheus metrics on port %d (/metrics)", self.port)
        return self

    async def __aexit__(self, *exc: object) -> None:
        cycle_log.remove_observer(self.metrics.observe_cycle)
        await self._lag.stop()
        self._server.shutdown()
        self._server.server_close()
