"""The public list of sites, and the calmer site a congested site's join page suggests.

Every resident of a district may open the list, and every congested site's join page looks
in it, so what a request costs must not grow with the number of sites:

- Once per window (``PUBLIC_LIST_TTL_MS``) for the whole district, one process computes
  every site's public figures (``compute``: one pipelined read of every site's snapshot,
  plus two small ones for sites with people waiting and no station open) and stores the list
  in Redis, calmest first, as JSON. Whose turn it is, ``PUBLIC_LIST_CLAIM`` settles on
  Redis's clock: N processes do not compute it N times.
- Each process fetches the stored list at most once per window (that same script call: one
  round trip) and keeps it with what the suggestion needs, an index by area; every request
  of the process shares that copy. So a page reads no Redis key for the list, and the
  suggestion looks at a few sites of its own area, not at every site.

The list is at most about two windows old; a site's own page shows its own figures live.
"""

import json
import threading
import time

from natqueue.figures import arithmetic
from natqueue.keys import PUBLIC_BASE, PUBLIC_CLAIM_KEY, PUBLIC_LIST_KEY, SiteKeys
from natqueue.sites import registry
from natqueue.sites.settings import organizer_settings
from natqueue.store.backend import Backend

#: How long one computation of the list is shown, in ms (on the backend's clock in tests).
PUBLIC_LIST_TTL_MS = 1000


class _PublicKeys:
    """The list's keys stand for a site in ``Backend.run``: only the base is used."""

    base = PUBLIC_BASE


def _longest_waits(backend: Backend, site_ids: list[str]) -> dict[str, int | None]:
    """How long the first in line has waited (ms) at each of ``site_ids``: two round trips."""
    if not site_ids:
        return {}
    keys = [SiteKeys(s) for s in site_ids]
    pipe = backend.redis.pipeline(transaction=False)
    for k in keys:
        pipe.zrange(k.waiting, 0, 0)
    firsts = pipe.execute()
    now = backend.now_ms()
    pipe = backend.redis.pipeline(transaction=False)
    for k, first in zip(keys, firsts, strict=True):
        pipe.hget(k.ticket(first[0]) if first else k.meta, "created_ms")
    created = pipe.execute()
    return {s: (max(0, now - int(c)) if c is not None and first else None)
            for s, first, c in zip(site_ids, firsts, created, strict=True)}


def summary(site: dict, conf: dict, longest_ms: int | None = None) -> dict:
    """What the public list shows of a site (never staffing or alerts), from its snapshot
    (``registry.get_site``) and settings; ``longest_ms`` matters only with no estimate."""
    minutes = arithmetic.site_band_minutes(site["waiting"], site["eta_seconds"], longest_ms)
    return {"id": site["id"], "name": site["name"], "address": site["address"], "area": conf["area"],
            "waiting": site["waiting"], "eta_join_s": site["eta_seconds"],
            "band": arithmetic.band(minutes, conf["band_busy_min"], conf["band_congested_min"]),
            "accepting": site["accepting"]}


def compute(backend: Backend) -> list[dict]:
    """Calmest first; a site where nobody can be sampled now (every station paused: no
    estimate; or closed) after every site taking people, however short its queue."""
    found = registry.get_sites_and_meta(backend, registry.list_site_ids(backend))
    longest = _longest_waits(backend, [s["id"] for s, _ in found if s["waiting"] and s["eta_seconds"] is None])
    sites = [summary(site, organizer_settings(meta), longest.get(site["id"])) for site, meta in found]
    sites.sort(key=lambda s: (not s["accepting"], s["eta_join_s"] is None, arithmetic.band_rank(s["band"]),
                              s["eta_join_s"] or 0, s["name"]))
    return sites


def _calmer(site: dict) -> bool:
    """A site worth sending people to: taking them, with an estimate, not congested itself."""
    return site["accepting"] and site["eta_join_s"] is not None and site["band"] != "congested"


#: Sites per page of the public list a resident reads (``page``).
PAGE_SIZE = 30


class View:
    """One fetched list: the sites (calmest first), its JSON as stored, each area's sites, and
    per area the two calmest sites worth suggesting (two: one may be the asking site itself)."""

    __slots__ = ("sites", "json", "by_id", "in_area", "calmer_in", "calmer_anywhere")

    def __init__(self, sites: list[dict], text: str):
        self.sites, self.json = sites, text
        self.by_id = {s["id"]: s for s in sites}
        self.in_area: dict[str, list[dict]] = {}
        for s in sites:
            if s["area"]:
                self.in_area.setdefault(s["area"], []).append(s)
        candidates = sorted((s for s in sites if _calmer(s)), key=lambda s: s["eta_join_s"])
        self.calmer_anywhere = candidates[:2]
        self.calmer_in: dict[str, list[dict]] = {}
        for s in candidates:
            found = self.calmer_in.setdefault(s["area"], [])
            if len(found) < 2:
                found.append(s)


    def areas(self) -> list[tuple[str, int]]:
        """Every area named by a site, with its number of sites, in name order."""
        return sorted((area, len(found)) for area, found in self.in_area.items())

    def page(self, area: str, number: int) -> dict:
        """Page ``number`` (from 1, clamped) of the list, or of one ``area`` (none or unknown:
        every site): at most ``PAGE_SIZE`` sites, however many there are."""
        found = self.in_area.get(area) if area else None
        area = area if found is not None else ""
        found = self.sites if found is None else found
        pages = max(1, -(-len(found) // PAGE_SIZE))
        number = min(max(1, number), pages)
        return {"sites": found[(number - 1) * PAGE_SIZE: number * PAGE_SIZE], "area": area,
                "page": number, "pages": pages, "total": len(found)}


def _clock_ms(backend: Backend) -> float:
    """The window is this process's own: local time, or the backend's fixed clock in tests."""
    return backend.clock() if backend.clock is not None else time.time() * 1000


class PublicList:
    """One process's copy of the public list, fetched at most once per window.

    While one request fetches a stale list, the others answer with the list they had rather
    than fetching it too. Only the very first fetch is waited for. The answer is shared:
    callers must not change it.
    """

    def __init__(self, ttl_ms: int = PUBLIC_LIST_TTL_MS):
        self.ttl_ms = ttl_ms
        self._view: View | None = None
        self._at = 0.0
        self._lock = threading.Lock()

    def _fresh(self, now: float) -> bool:
        return self._view is not None and 0 <= now - self._at < self.ttl_ms

    def view(self, backend: Backend) -> View:
        now = _clock_ms(backend)
        if self._fresh(now):
            return self._view
        if not self._lock.acquire(blocking=self._view is None):
            return self._view  # another request is fetching it
        try:
            if not self._fresh(now):
                self._view, self._at = self._fetch(backend), now
            return self._view
        finally:
            self._lock.release()

    def _fetch(self, backend: Backend) -> View:
        keys = [PUBLIC_LIST_KEY, PUBLIC_CLAIM_KEY]
        stored, turn = backend.run("PUBLIC_LIST_CLAIM", keys, [self.ttl_ms], _PublicKeys)
        if stored and not turn:
            return View(json.loads(stored), stored)
        # Our turn; or no list stored yet while another process computes the first one.
        sites = compute(backend)
        text = json.dumps(sites, ensure_ascii=False, separators=(",", ":"))
        if turn:
            backend.run("PUBLIC_LIST_PUT", keys[:1], [text], _PublicKeys)
        return View(sites, text)

    def sites(self, backend: Backend) -> list[dict]:
        return self.view(backend).sites

    def calmer_than(self, backend: Backend, site: dict, conf: dict) -> dict | None:
        """For a congested site's join page: the calmest other site taking people, same area
        first. ``site`` and ``conf`` are the page's own reads of the site: its band comes from
        them, or, with no estimate (no station open), from the list. Looks at two sites of the
        area and two of the district at most."""
        if site["waiting"] and site["eta_seconds"] is None:
            own = self.view(backend).by_id.get(site["id"])
            band = own["band"] if own else "flowing"
        else:
            band = summary(site, conf)["band"]
        if band != "congested":
            return None
        found = self.view(backend)
        nearby = found.calmer_in.get(conf["area"], []) if conf["area"] else []
        return next((s for s in [*nearby, *found.calmer_anywhere] if s["id"] != site["id"]), None)
