"""The public list of sites, and the calmer site a congested site's join page suggests.

Every resident sees the same list for a few seconds, so a process computes it once per
window (``PUBLIC_LIST_TTL_MS``) and every request in that process shares the answer: one
computation of every site's figures per window, not one per view. A join page first asks,
from its own site's snapshot and settings, whether that site is congested at all: only a
congested site's page reads the list, and never computes it more than once per window.
"""

import threading
import time

from natqueue.figures import arithmetic, dashboard
from natqueue.keys import SiteKeys
from natqueue.sites import registry
from natqueue.store.backend import Backend

#: How long one computation of the list is shown, in ms (on the backend's clock in tests).
PUBLIC_LIST_TTL_MS = 5000


def compute(backend: Backend) -> list[dict]:
    """Calmest first; a site where nobody can be sampled now (every station paused: no
    estimate; or closed) after every site taking people, however short its queue."""
    found = [dashboard.site_stats(backend, s, sync_alerts=False, look_ahead=False)
             for s in registry.list_site_ids(backend)]
    found.sort(key=lambda s: (not s["accepting"], s["eta_join_s"] is None, arithmetic.band_rank(s["band"]),
                              s["eta_join_s"] or 0, s["name"]))
    return [dashboard.summary(s) for s in found]


def band_of(backend: Backend, site: dict, conf: dict) -> str:
    """A site's band from its snapshot (``registry.get_site``) and settings, as the dashboard
    would show it: from the estimate, or, with none (no station open), the longest wait, which
    costs two reads more."""
    longest_ms = None
    if site["waiting"] and site["eta_seconds"] is None:
        longest_ms, _number = dashboard.longest_wait(backend, SiteKeys(site["id"]), backend.now_ms())
    minutes = arithmetic.site_band_minutes(site["waiting"], site["eta_seconds"], longest_ms)
    return arithmetic.band(minutes, conf["band_busy_min"], conf["band_congested_min"])


def _clock_ms(backend: Backend) -> float:
    """The window is this process's own: local time, or the backend's fixed clock in tests."""
    return backend.clock() if backend.clock is not None else time.time() * 1000


class PublicList:
    """One process's copy of the public list, recomputed at most once per window.

    While one request recomputes a stale list, the others answer with the list they had
    rather than computing it too (under gevent, a burst of join pages would otherwise each
    read every site). Only the very first computation is waited for. The answer is shared:
    callers must not change it.
    """

    def __init__(self, ttl_ms: int = PUBLIC_LIST_TTL_MS):
        self.ttl_ms = ttl_ms
        self._sites: list[dict] | None = None
        self._at = 0.0
        self._lock = threading.Lock()

    def _fresh(self, now: float) -> bool:
        return self._sites is not None and 0 <= now - self._at < self.ttl_ms

    def sites(self, backend: Backend) -> list[dict]:
        now = _clock_ms(backend)
        if self._fresh(now):
            return self._sites
        if not self._lock.acquire(blocking=self._sites is None):
            return self._sites  # another request is recomputing it
        try:
            if not self._fresh(now):
                self._sites, self._at = compute(backend), now
            return self._sites
        finally:
            self._lock.release()

    def calmer_than(self, backend: Backend, site: dict, conf: dict) -> dict | None:
        """For a congested site's join page: the calmest other site taking people, same area
        first. ``site`` and ``conf`` are the page's own reads of the site; a site that is not
        congested costs nothing more."""
        if band_of(backend, site, conf) != "congested":
            return None
        others = [s for s in self.sites(backend) if s["id"] != site["id"] and s["accepting"]
                  and s["eta_join_s"] is not None and s["band"] != "congested"]
        if not others:
            return None
        return min(others, key=lambda s: (s["area"] != conf["area"] or not conf["area"], s["eta_join_s"] or 0))
