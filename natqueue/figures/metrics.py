"""What an operator's Prometheus scrapes: the district's figures from Redis, and this process's own.

Several app processes serve one district, and Prometheus may reach any of them. So what belongs
to the sites (joins, calls, samples, the queue, the waits) is not counted in Python: it is read
from Redis at scrape time, from the figures the queue scripts already keep at the moment of
change (``scripts/includes/figures.lua``), and any process answers for the whole district. One
read-only script per site (``site_metrics.lua``), every site of a batch in one pipeline: one
round trip per ``SITE_BATCH`` sites, and no cost that grows with the people waiting.

What belongs to a process (its Socket.IO clients, how late its broadcasts leave, its CPU and
memory) carries a ``process`` label, ``host:pid``, so the series of several processes stay apart
and Prometheus can sum them.

The site counters count the site's local day, as the dashboard does: they start again from zero
at the site's midnight, which Prometheus's ``rate()`` and ``increase()`` take as a counter reset.
"""

import os
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import redis
from prometheus_client import Histogram
from prometheus_client import ProcessCollector as _LibraryProcessCollector
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric

from natqueue.keys import SiteKeys
from natqueue.sites import registry
from natqueue.store.backend import Backend

#: Upper bounds of the wait histogram, in whole minutes (the scripts keep waits per minute).
#: 25 and 50 are the public map's busy and congested bands, 30 the promise.
WAIT_BOUNDS_MIN = (1, 5, 10, 15, 20, 25, 30, 40, 50, 60, 90, 120)
#: Sites read in one pipeline (one round trip).
SITE_BATCH = 200


@dataclass(frozen=True)
class SiteFigures:
    site_id: str
    waiting: int
    #: How long the first in line has waited so far (s); None when nobody waits.
    longest_wait_s: float | None
    joins: int
    calls: int
    samples: int
    waits_sum_s: float
    #: Waits per bucket of ``WAIT_BOUNDS_MIN``, not cumulative; the last: past the last bound.
    wait_buckets: tuple[int, ...]

    def cumulative_buckets(self) -> list[tuple[str, int]]:
        """``(le in seconds, waits up to it)``, ending with ``+Inf``: a Prometheus histogram's."""
        found, total = [], 0
        for bound, count in zip((*WAIT_BOUNDS_MIN, None), self.wait_buckets, strict=True):
            total += count
            found.append(("+Inf" if bound is None else str(float(bound * 60)), total))
        return found


def read_sites(backend: Backend, site_ids: list[str] | None = None, batch: int = SITE_BATCH) -> list[SiteFigures]:
    """The figures of ``site_ids`` (every site when None): one round trip per ``batch`` sites.
    A site removed between the listing and the read is left out."""
    if site_ids is None:
        site_ids = registry.list_site_ids(backend)
    bounds = list(WAIT_BOUNDS_MIN)
    found = []
    for start in range(0, len(site_ids), batch):
        chunk = site_ids[start:start + batch]
        calls = []
        for site_id in chunk:
            keys = SiteKeys(site_id)
            calls.append(([keys.meta, keys.waiting], bounds, keys))
        for site_id, answer in zip(chunk, backend.run_each("SITE_METRICS", calls), strict=True):
            if not answer:
                continue
            waiting, longest_ms, joins, calls_n, samples, waits_sum_ms, *buckets = (int(v) for v in answer)
            found.append(SiteFigures(site_id, waiting, None if longest_ms < 0 else longest_ms / 1000, joins,
                                     calls_n, samples, waits_sum_ms / 1000, tuple(buckets)))
    return found


class SiteCollector:
    """The district's sites, read from Redis at each scrape (a ``prometheus_client`` collector).
    When Redis does not answer, ``natqueue_redis_up`` says 0 and no site series are given, so
    the scrape itself still succeeds and the process's own series still arrive."""

    def __init__(self, backend: Backend):
        self.backend = backend

    def describe(self) -> list:
        return []  # nothing read at registration: Redis may not be up yet

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily("natqueue_redis_up", "1 when this scrape could read the sites' figures from Redis.")
        started = time.monotonic()
        try:
            figures = read_sites(self.backend)
        except redis.exceptions.RedisError:
            up.add_metric([], 0)
            yield up
            return
        took = time.monotonic() - started
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("natqueue_sites", "Sites in the district.", value=len(figures))
        yield GaugeMetricFamily("natqueue_scrape_redis_seconds", "How long reading every site's figures took.",
                                value=took)
        yield from site_families(figures)


def site_families(figures: list[SiteFigures]) -> list[Metric]:
    labels = ["site"]
    joins = CounterMetricFamily("natqueue_joins", "People who took a number today (the site's local day).",
                                labels=labels)
    calls = CounterMetricFamily("natqueue_calls", "People called from the queue to a station today "
                                "(each once, however often recalled).", labels=labels)
    samples = CounterMetricFamily("natqueue_samples", "Samples taken today.", labels=labels)
    waiting = GaugeMetricFamily("natqueue_queue_length", "People waiting in the queue now.", labels=labels)
    longest = GaugeMetricFamily("natqueue_longest_wait_seconds", "How long the first in line has waited so far "
                                "(0 when nobody waits).", labels=labels)
    waits = HistogramMetricFamily("natqueue_wait_seconds", "Waits from joining to being called, today.",
                                  labels=labels)
    for f in figures:
        joins.add_metric([f.site_id], f.joins)
        calls.add_metric([f.site_id], f.calls)
        samples.add_metric([f.site_id], f.samples)
        waiting.add_metric([f.site_id], f.waiting)
        longest.add_metric([f.site_id], f.longest_wait_s or 0)
        waits.add_metric([f.site_id], f.cumulative_buckets(), f.waits_sum_s)
    return [joins, calls, samples, waiting, longest, waits]


# --- this process ----------------------------------------------------------------------------

#: From a change at a site (its event's id is Redis's clock when the script wrote it) to its
#: broadcast to this process's clients: ``via="here"`` when the change was made in this process,
#: ``via="queue"`` when it came from another process through the Socket.IO message queue.
EMIT_LAG = Histogram("natqueue_emit_lag_seconds", "From a change at a site to its Socket.IO broadcast "
                     "to this process's clients.", labelnames=("via",),
                     buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=None)
_LAG_HERE = EMIT_LAG.labels("here")
_LAG_QUEUE = EMIT_LAG.labels("queue")

_label: tuple[int, str] | None = None


def process_label() -> str:
    """``host:pid`` of this process (worked out again after a fork)."""
    global _label
    pid = os.getpid()
    if _label is None or _label[0] != pid:
        _label = (pid, f"{socket.gethostname()}:{pid}")
    return _label[1]


def broadcast_sent(event_id: str, via_queue: bool = False) -> None:
    """A site event (id ``<ms>-<seq>`` from Redis) was just broadcast to this process's clients:
    note how late. A few microseconds; a clock of this host behind Redis's counts as no lag."""
    ms, _, _ = event_id.partition("-") if isinstance(event_id, str) else ("", "", "")
    if ms.isdigit():
        (_LAG_QUEUE if via_queue else _LAG_HERE).observe(max(0.0, time.time() - int(ms) / 1000))


def _labelled(family: Metric, name: str, value: str) -> Metric:
    copy = Metric(family.name, family.documentation, family.type, family.unit)
    for s in family.samples:
        copy.add_sample(s.name, {**s.labels, name: value}, s.value, s.timestamp, s.exemplar)
    return copy


class ProcessCollector:
    """This process's own series, each labelled ``process="host:pid"``: the Socket.IO clients
    connected to it (``clients`` counts them), the emit lag, and the client library's process
    figures (CPU seconds, resident memory, open files; Linux only)."""

    def __init__(self, clients: Callable[[], int]):
        self.clients = clients
        self.library = _LibraryProcessCollector(registry=None)

    def describe(self) -> list:
        return []

    def collect(self) -> Iterable[Metric]:
        label = process_label()
        connected = GaugeMetricFamily("natqueue_socketio_clients", "Socket.IO clients connected to this process.",
                                      labels=["process"])
        connected.add_metric([label], self.clients())
        yield connected
        for family in (*EMIT_LAG.collect(), *self.library.collect()):
            yield _labelled(family, "process", label)
