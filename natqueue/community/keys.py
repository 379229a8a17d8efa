"""Key names of a community.

Every key of one community carries its own hash tag, ``nq:{c:<id>}:...`` (a site id cannot
contain ``:``, so no community shares a slot with a site by accident). A community's scripts
touch only that slot; what a site contributes arrives through the site's own pending notes
(``SiteKeys.coverage_pending``), applied in a second step (see ``coverage``).
"""

from natqueue.keys import PREFIX, SiteKeys, key_property

#: Hash: site id -> the one community it belongs to.
SITE_COMMUNITY_KEY = PREFIX + "site-community"
#: Set of every community id.
COMMUNITIES_KEY = PREFIX + "communities"


def site_pending(site_id: str) -> str:
    """Sorted set in the site's slot: coverage notes its scripts left, not yet applied."""
    return SiteKeys(site_id).coverage_pending


#: The names of a community's keys after its base, as ``natqueue.keys.SITE_KEYS`` for a site:
#: the scripts get them as the table ``C`` (``natqueue.scripts``) and never spell one.
COMMUNITY_KEYS = {
    "meta": "meta",
    "idem": "idem:",
    "person_keys": "pk",
    "person": "p:",
    "household_keys": "hk",
    "household": "h:",
    "members": "hm:",
    "unit_keys": "uk",
    "units": "u",
    "unit_households": "uh:",
    "counts": "cnt",
    "rounds": "rounds",
    "round_map": "rmap",
    "round": "r:",
    "round_counts": "c",
    "round_tested": "nt",
    "round_home": "nh",
    "round_exempt": "ex",
    "round_stage": "st",
    "round_samples": "smp",
    "round_timeline": "tl",
    "round_visits": "v:",
    "callup": "callup",
    "audit": "audit",
    "sweep_fails": "sweep-fails",
    "sweep_fails_from": "sweep-fails-from:",
}
_C = COMMUNITY_KEYS


def _key(name: str, doc: str) -> property:
    return key_property(_C, name, doc)


class CommunityKeys:
    """The keys of one community. ``Backend.run`` takes it where it takes a site's keys: its
    ``base`` is what the scripts build every key from."""

    __slots__ = ("community_id", "base")

    def __init__(self, community_id: str):
        self.community_id = community_id
        self.base = f"{PREFIX}{{c:{community_id}}}:"

    def sweep_fails_from(self, client: str) -> str:
        """Counter of wrong sweep codes from one client address (a /64 for IPv6)."""
        return f"{self.base}{_C['sweep_fails_from']}{client}"

    def idem(self, op: str, request_id: str) -> str:
        return f"{self.base}{_C['idem']}{op}:{request_id}"

    def person(self, pid: str) -> str:
        """Hash: pid, pkey, doc_type, id_number, name, phone, flags, hid, u."""
        return self.base + _C["person"] + pid

    def household(self, hid: str) -> str:
        """Hash: hid, compound, building, unit, room, u, pledged_ms, pledged_by."""
        return self.base + _C["household"] + hid

    def members(self, hid: str) -> str:
        """Set of the person ids of a household."""
        return self.base + _C["members"] + hid

    def unit_households(self, u: str) -> str:
        """Set of the household ids of a unit that have someone in them."""
        return self.base + _C["unit_households"] + u

    def round(self, n: int | str, what: str) -> str:
        """A round's own key: counts (per unit), tested and home (per person key), exempt (per
        person id), stage (per ticket), samples, timeline; like ``SiteKeys.round``."""
        return f"{self.base}{_C['round']}{n}:{_C['round_' + what]}"

    def visits(self, n: int | str, hid: str) -> str:
        """List of a household's knocks in a round, JSON {outcome, note, ts, team}."""
        return self.round(n, "visits") + hid

    # The fixed keys, one line each: the name here, the table's name, what the key holds.
    meta = _key("meta", "Hash: id, name, sites (JSON list, first = where home visits go), round, sweep code.")
    sweep_fails = _key("sweep_fails", "Counter of wrong sweep codes for the community, for a while after the latest.")
    person_keys = _key("person_keys", "Hash: person key (``documents.person_key``) -> person id.")
    units = _key("units", "Hash: unit number -> JSON [compound, building, unit].")
    counts = _key("counts", "Hash, all rounds: ``<u>:hh`` households, ``<u>:pl`` households pledged.")
    rounds = _key("rounds", "Hash: round number -> JSON {round, name, started_ms, sites, closed_ms, ...}.")
    round_map = _key("round_map", "Hash: ``<site>:<site round>`` -> community round; ``<site>:first`` -> first mapped.")
    callup = _key("callup", "String: JSON list of call-up slots.")
    audit = _key("audit", "List of JSON audit entries (reports handed out unmasked), newest first.")
