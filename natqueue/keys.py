"""Redis key names.

Every key of one site carries the site id as a hash tag (``nq:{site}:...``) so
that a site's scripts touch one slot, should the deployment move to Redis
Cluster. Keys that span sites live outside any tag.
"""

PREFIX = "nq:"

#: Set of every site id.
SITES_KEY = PREFIX + "sites"
#: Shared secret for signed staff tokens, created once by whichever process starts first.
SECRET_KEY = PREFIX + "secret"
#: Hash: tube code -> the site that opened it. One lab takes the tubes of many sites, and a
#: tube code is the lab's key: a code opened at one site must not open at another.
TUBE_SITES_KEY = PREFIX + "tube-sites"
#: The address the running server prints and serves at (``python app.py``), for the CLI's links.
BASE_URL_KEY = PREFIX + "base-url"
#: The public list of sites (``natqueue.figures.public_list``): one hash tag of its own, which
#: no site id can take (site ids have no '_'), so its two keys share a slot apart from any site's.
PUBLIC_BASE = PREFIX + "{_public}:"
#: Hash: ``at`` (ms, when computed), ``json`` (the list, calmest first).
PUBLIC_LIST_KEY = PUBLIC_BASE + "list"
#: When a process last took its turn to compute the list (ms).
PUBLIC_CLAIM_KEY = PUBLIC_BASE + "claim"

#: The name of every key of a site after its base ``nq:{site}:``. ``SiteKeys`` builds its keys
#: from this table and the Lua scripts get the same table as ``K`` (see ``natqueue.scripts``),
#: so each name is spelled once. A name ending in ':' is a prefix: an id, a number or a code
#: follows. ``round_*`` names follow ``round:<round id>:``.
SITE_KEYS = {
    "meta": "meta",
    "stations": "stations",
    "calling": "calling",
    "waiting": "waiting",
    "live_ids": "live-ids",
    "seq": "seq",
    "events": "events",
    "served": "served",
    "ticket": "t:",
    "serving": "st:serving:",
    "served_at": "st:served:",
    "idem": "idem:",
    "lane": "lane:",
    "lanes_state": "lanes",
    "declared": "declared",
    "modes": "modes",
    "medics": "medics",
    "open_tubes": "open-tubes",
    "tubes": "tubes",
    "tube": "tube:",
    "tube_members": "tube-m:",
    "household": "hh:",
    "home": "home",
    "no_shows": "no-shows",
    "recover_fails": "recover-fails:",
    "home_seq": "home-seq",
    "rounds": "rounds",
    "round": "round:",
    "round_tickets": "tickets",
    "round_samples": "samples",
    "round_tubes": "tubes",
    "round_bound": "bound",
    "round_counts": "counts",
    "round_tube_owners": "tube-owners",
    "audit": "audit",
    "stats_day": "stats:",
    "station_reasons": "station-reasons",
    "roster": "roster:",
    "roster_log": "roster-log",
    "alerts": "alerts",
    "dash_push": "dash-push",
    "cov_pending": "cov-pending",
    "staff_fails": "staff-fails",
    "staff_fails_from": "staff-fails-from:",
    "revoked": "revoked",
    "joins": "join-count",
    "joins_from": "join-count-from:",
}
_K = SITE_KEYS


def key_property(table: dict, name: str, doc: str) -> property:
    """A fixed key of one site or community: its ``base`` and the table's name for it. Written as a
    table (``meta = _key("meta", "...")``) rather than a method apiece, each key is one line."""
    return property(lambda self: self.base + table[name], doc=doc)


def _key(name: str, doc: str) -> property:
    return key_property(_K, name, doc)


class SiteKeys:
    """The keys of one site. Cheap to build; build one per request."""

    __slots__ = ("site_id", "base")

    def __init__(self, site_id: str):
        self.site_id = site_id
        self.base = f"{PREFIX}{{{site_id}}}:"

    def ticket(self, ticket_id: str) -> str:
        return self.ticket_prefix + ticket_id

    def serving(self, station: int) -> str:
        """Sorted set of tickets called to a station and not yet finished."""
        return f"{self.base}{_K['serving']}{station}"

    def served_at(self, station: int) -> str:
        """Sorted set of tickets sampled at a station, scored by time (ms)."""
        return f"{self.base}{_K['served_at']}{station}"

    def idem(self, op: str, request_id: str) -> str:
        """Claimed by a state-changing script so a retried request replays its first result."""
        return f"{self.base}{_K['idem']}{op}:{request_id}"

    # --- the sampling workflow (see natqueue/scripts/includes/lanes.lua, tubes.lua) ---

    def lane(self, lane: str) -> str:
        """Sorted set of waiting tickets of one lane (p, r, sp, sr), scored like ``waiting``."""
        return f"{self.base}{_K['lane']}{lane}"

    def tube(self, code: str) -> str:
        """Hash: code, round, owner, mode, capacity, count, status, opened_ms, closed_ms."""
        return f"{self.base}{_K['tube']}{code}"

    def tube_members(self, code: str) -> str:
        """Sorted set: ticket ids in a tube, scored by position."""
        return f"{self.base}{_K['tube_members']}{code}"

    def household(self, household_id: str) -> str:
        """List of the ticket ids of one household, in join order."""
        return f"{self.base}{_K['household']}{household_id}"

    def recover_fails(self, client: str) -> str:
        """Counter of one client's failed ticket recoveries (rate limiting; ``client`` is a hash)."""
        return f"{self.base}{_K['recover_fails']}{client}"

    def round(self, round_id: str, what: str) -> str:
        """Per-round records: tickets (set), samples (zset by time), tubes (zset), bound (hash: person ->
        ticket), counts (hash), tube_owners (set of the stations and teams that sampled into tubes)."""
        return f"{self.base}{_K['round']}{round_id}:{_K['round_' + what]}"

    def flow_keys(self, op: str, request_id: str) -> list[str]:
        """The first keys of the sampling workflow's scripts (open_tube.lua, ...): idem, waiting, events."""
        return [self.idem(op, request_id), self.waiting, self.events]

    # --- the organizer's figures, rosters and alerts -------------------------------

    def stats_day(self, day: int) -> str:
        """Hash of the day's aggregates, kept by the queue scripts (see ``natqueue/scripts/includes/figures.lua``)."""
        return f"{self.base}{_K['stats_day']}{day}"

    def roster(self, station: int) -> str:
        """Hash: person -> ``role|since_ms``, who is on duty at a station now."""
        return f"{self.base}{_K['roster']}{station}"

    # The fixed keys, one line each: the name here, the table's name, what the key holds.
    # no_shows: brought back by scripts/return_no_show.lua; the older ones are trimmed.
    # coverage_pending: left by scripts/includes/coverage.lua, applied by natqueue.community.coverage.
    meta = _key("meta", "Hash: name, address, station count, time zone, staff code hash and version.")
    stations = _key("stations", "Hash: station number -> open | paused | closed.")
    calling = _key("calling", "Hash: station number -> ticket number it called last (for the boards).")
    waiting = _key("waiting", "Sorted set of waiting ticket ids, scored by queue order.")
    live_ids = _key("live_ids", "Hash: ID number -> ticket id, for tickets still waiting or called.")
    seq = _key("seq", "Counter behind ticket numbers and queue order.")
    events = _key("events", "Stream of site events; its ids are what clients resync from.")
    served = _key("served", "Sorted set of sampled ticket ids, scored by sampling time (ms).")
    ticket_prefix = _key("ticket", "Prefix of ticket hashes; scripts append the ticket id.")
    lanes_state = _key("lanes_state", "Hash: per lane group ('' pooled, 's' single), the current priority/regular run.")
    declared = _key("declared", "Sorted set of waiting tickets whose declared priority staff have not checked yet.")
    modes = _key("modes", "Hash: station number -> pooled | single (absent: pooled).")
    medics = _key("medics", "Hash: station number or home team -> the medic's name, recorded with each sample.")
    open_tubes = _key("open_tubes", "Hash: station number or home team (h<n>) -> the code of its open tube.")
    tubes = _key("tubes", "Hash: every tube code ever opened at the site -> its round (a code opens once).")
    home = _key("home", "Sorted set of home-sampling tickets not yet done.")
    no_shows = _key("no_shows", "Sorted set of no-show tickets staff may still bring back, scored by when (ms).")
    home_seq = _key("home_seq", "Counter behind home-visit numbers (H001, H002, ...).")
    rounds = _key("rounds", "Hash: round id -> JSON {id, name, started_ms, ended_ms, purged_ms}.")
    audit = _key("audit", "List of JSON audit entries (exports, traces, purges), newest first.")
    station_reasons = _key("station_reasons", "Hash: station number -> why it is paused (disinfection, meal, ...).")
    roster_log = _key("roster_log", "Stream of roster check-ins and check-outs: the roster's history.")
    alerts = _key("alerts", "Hash: alert id -> JSON; an alert stays until acknowledged.")
    dash_push = _key("dash_push", "Claimed (SET NX PX) by the process that will push the next dashboard update.")
    coverage_pending = _key("cov_pending", "Sorted set: the site's coverage notes its community has not applied yet.")
    staff_fails = _key("staff_fails", "Counter of wrong staff codes at the site, for a while after the latest.")
    joins = _key("joins", "Counter of the joins at the site in the current window (includes/rate.lua).")
    revoked = _key("revoked", "Sorted set: ids of staff tokens signed out -> when the token would expire (ms).")

    def staff_fails_from(self, client: str) -> str:
        """Counter of wrong staff codes from one client address (a /64 for IPv6)."""
        return f"{self.base}{_K['staff_fails_from']}{client}"

    def joins_from(self, client: str) -> str:
        """Counter of the joins from one client address (a /64 for IPv6) in the current window."""
        return f"{self.base}{_K['joins_from']}{client}"
