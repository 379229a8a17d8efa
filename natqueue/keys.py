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
#: Per-site counters of failed staff sign-ins (rate limiting), suffixed by site id.
STAFF_FAILS_PREFIX = PREFIX + "staff-fails:"


class SiteKeys:
    """The keys of one site. Cheap to build; build one per request."""

    __slots__ = ("site_id", "base")

    def __init__(self, site_id: str):
        self.site_id = site_id
        self.base = f"{PREFIX}{{{site_id}}}:"

    @property
    def meta(self) -> str:
        """Hash: name, address, station count, time zone, staff code hash and version."""
        return self.base + "meta"

    @property
    def stations(self) -> str:
        """Hash: station number -> open | paused | closed."""
        return self.base + "stations"

    @property
    def calling(self) -> str:
        """Hash: station number -> ticket number it called last (for the boards)."""
        return self.base + "calling"

    @property
    def waiting(self) -> str:
        """Sorted set of waiting ticket ids, scored by queue order."""
        return self.base + "waiting"

    @property
    def live_ids(self) -> str:
        """Hash: ID number -> ticket id, for tickets still waiting or called."""
        return self.base + "live-ids"

    @property
    def seq(self) -> str:
        """Counter behind ticket numbers and queue order."""
        return self.base + "seq"

    @property
    def events(self) -> str:
        """Stream of site events; its ids are what clients resync from."""
        return self.base + "events"

    @property
    def served(self) -> str:
        """Sorted set of sampled ticket ids, scored by sampling time (ms)."""
        return self.base + "served"

    @property
    def ticket_prefix(self) -> str:
        """Prefix of ticket hashes; scripts append the ticket id."""
        return self.base + "t:"

    @property
    def station_prefix(self) -> str:
        """Prefix of per-station keys; scripts append ``serving:<n>`` or ``served:<n>``."""
        return self.base + "st:"

    def ticket(self, ticket_id: str) -> str:
        return self.ticket_prefix + ticket_id

    def serving(self, station: int) -> str:
        """Sorted set of tickets called to a station and not yet finished."""
        return f"{self.station_prefix}serving:{station}"

    def served_at(self, station: int) -> str:
        """Sorted set of tickets sampled at a station, scored by time (ms)."""
        return f"{self.station_prefix}served:{station}"

    def idem(self, op: str, request_id: str) -> str:
        """Claimed by a state-changing script so a retried request replays its first result."""
        return f"{self.base}idem:{op}:{request_id}"

    # --- the sampling workflow (see natqueue/lua_helpers.py) ---

    def lane(self, lane: str) -> str:
        """Sorted set of waiting tickets of one lane (p, r, sp, sr), scored like ``waiting``."""
        return f"{self.base}lane:{lane}"

    @property
    def lanes_state(self) -> str:
        """Hash: per lane group ('' pooled, 's' single), the current run of priority and regular calls."""
        return self.base + "lanes"

    @property
    def declared(self) -> str:
        """Sorted set of waiting tickets whose declared priority staff have not checked yet."""
        return self.base + "declared"

    @property
    def modes(self) -> str:
        """Hash: station number -> pooled | single (absent: pooled)."""
        return self.base + "modes"

    @property
    def medics(self) -> str:
        """Hash: station number or home team -> the medic's name, recorded with each sample."""
        return self.base + "medics"

    @property
    def open_tubes(self) -> str:
        """Hash: station number or home team (h<n>) -> the code of its open tube."""
        return self.base + "open-tubes"

    @property
    def tubes(self) -> str:
        """Hash: every tube code ever opened at the site -> its round (a code opens once)."""
        return self.base + "tubes"

    def tube(self, code: str) -> str:
        """Hash: code, round, owner, mode, capacity, count, status, opened_ms, closed_ms."""
        return f"{self.base}tube:{code}"

    def tube_members(self, code: str) -> str:
        """Sorted set: ticket ids in a tube, scored by position."""
        return f"{self.base}tube-m:{code}"

    def household(self, household_id: str) -> str:
        """List of the ticket ids of one household, in join order."""
        return f"{self.base}hh:{household_id}"

    @property
    def home(self) -> str:
        """Sorted set of home-sampling tickets not yet done."""
        return self.base + "home"

    @property
    def rounds(self) -> str:
        """Hash: round id -> JSON {id, name, started_ms, ended_ms, purged_ms}."""
        return self.base + "rounds"

    def round(self, round_id: str, what: str) -> str:
        """Per-round records: tickets (set), samples (zset by time), tubes (zset), bound, counts."""
        return f"{self.base}round:{round_id}:{what}"

    @property
    def audit(self) -> str:
        """List of JSON audit entries (exports, traces, purges), newest first."""
        return self.base + "audit"

    def flow_keys(self, op: str, request_id: str) -> list[str]:
        """The first keys of every script in ``natqueue.lua_flow``: idem, waiting, events."""
        return [self.idem(op, request_id), self.waiting, self.events]

    # --- the organizer's figures, rosters and alerts -------------------------------

    def stats_day(self, day: int) -> str:
        """Hash of the day's aggregates, kept by the queue scripts (see ``stats_lua``)."""
        return f"{self.base}stats:{day}"

    @property
    def station_reasons(self) -> str:
        """Hash: station number -> why it is paused (disinfection, meal, ...)."""
        return self.base + "station-reasons"

    def roster(self, station: int) -> str:
        """Hash: person -> ``role|since_ms``, who is on duty at a station now."""
        return f"{self.base}roster:{station}"

    @property
    def roster_log(self) -> str:
        """Stream of roster check-ins and check-outs: the roster's history."""
        return self.base + "roster-log"

    @property
    def alerts(self) -> str:
        """Hash: alert id -> JSON; an alert stays until acknowledged."""
        return self.base + "alerts"

    @property
    def dash_push(self) -> str:
        """Claimed (SET NX PX) by the process that will push the next dashboard update."""
        return self.base + "dash-push"
