"""Sampling sites and their stations."""

import hashlib
import hmac
import secrets

from natqueue.backend import Backend, QueueError
from natqueue.feed import decode_event
from natqueue.figures import tz_offset_ms
from natqueue.keys import SITES_KEY, STAFF_FAILS_PREFIX, SiteKeys
from natqueue.pace import eta_seconds, parse_pace

STATION_STATUSES = ("open", "paused", "closed")
MAX_STATIONS = 50
DEFAULT_TIMEZONE = "Asia/Shanghai"
#: Wrong staff codes tolerated per site per window before sign-in is refused for a while.
STAFF_FAIL_LIMIT = 10
STAFF_FAIL_WINDOW_S = 300


def _code_hash(site_id: str, code: str) -> str:
    return hashlib.sha256(f"{site_id}:{code}".encode()).hexdigest()


def new_staff_code() -> str:
    """Eight digits: typed with gloves on a phone keypad, and 10^8 guesses behind a rate limit."""
    return f"{secrets.randbelow(10**8):08d}"


def create_site(
    backend: Backend,
    site_id: str,
    name: str,
    stations: int,
    address: str = "",
    timezone: str = DEFAULT_TIMEZONE,
    alert_ahead: int | None = None,
) -> dict:
    """Create a site; returns it with its staff code, which is shown this once."""
    keys = SiteKeys(site_id)
    code = new_staff_code()
    meta = {
        "id": site_id,
        "name": name,
        "address": address,
        "stations": stations,
        "timezone": timezone,
        "alert_ahead": backend.tuning.alert_ahead if alert_ahead is None else alert_ahead,
        "created_ms": backend.now_ms(),
        "staff_code_hash": _code_hash(site_id, code),
        "staff_version": 1,
        "tz_offset_ms": tz_offset_ms(timezone, backend.now_ms()),  # the day's figures bucket by it
    }
    flat = [str(x) for pair in meta.items() for x in pair]
    created = backend.script("CREATE_SITE")(
        keys=[keys.meta, keys.stations, SITES_KEY], args=[site_id, stations, *flat]
    )
    if not created:
        raise QueueError("site_exists", site_id)
    site = get_site(backend, site_id)
    site["staff_code"] = code
    return site


def rotate_staff_code(backend: Backend, site_id: str) -> str:
    """A new code; every staff token signed for the old one stops working."""
    keys = SiteKeys(site_id)
    if not backend.redis.exists(keys.meta):
        raise QueueError("site_not_found", site_id)
    code = new_staff_code()
    pipe = backend.redis.pipeline(transaction=True)
    pipe.hset(keys.meta, "staff_code_hash", _code_hash(site_id, code))
    pipe.hincrby(keys.meta, "staff_version", 1)
    pipe.execute()
    return code


def check_staff_code(backend: Backend, site_id: str, code: str) -> int:
    """The site's staff version if ``code`` is right. Wrong codes are counted and, past a
    limit, refused for a while, so eight digits cannot be guessed online."""
    keys = SiteKeys(site_id)
    fails_key = STAFF_FAILS_PREFIX + site_id
    stored, version = backend.redis.hmget(keys.meta, "staff_code_hash", "staff_version")
    if stored is None:
        raise QueueError("site_not_found", site_id)
    if int(backend.redis.get(fails_key) or 0) >= STAFF_FAIL_LIMIT:
        raise QueueError("too_many_attempts", site_id)
    if not hmac.compare_digest(stored, _code_hash(site_id, str(code))):
        pipe = backend.redis.pipeline(transaction=True)
        pipe.incr(fails_key)
        pipe.expire(fails_key, STAFF_FAIL_WINDOW_S)  # the lock-out runs from the latest wrong code
        pipe.execute()
        raise QueueError("wrong_code", site_id)
    return int(version)


def staff_version(backend: Backend, site_id: str) -> int | None:
    value = backend.redis.hget(SiteKeys(site_id).meta, "staff_version")
    return None if value is None else int(value)


def site_exists(backend: Backend, site_id: str) -> bool:
    return bool(backend.redis.exists(SiteKeys(site_id).meta))


def list_site_ids(backend: Backend) -> list[str]:
    return sorted(backend.redis.smembers(SITES_KEY))


def _pairs(flat: list) -> dict:
    return dict(zip(flat[::2], flat[1::2], strict=False))


def get_site(backend: Backend, site_id: str) -> dict:
    """The public picture of a site, consistent with the feed position ``last_event_id``."""
    keys = SiteKeys(site_id)
    found = backend.run(
        "SITE_SNAPSHOT",
        [keys.meta, keys.stations, keys.waiting, keys.events, keys.calling],
        [],
        keys.station_prefix,
    )
    if not found:
        raise QueueError("site_not_found", site_id)
    meta_flat, stations_flat, waiting, pace_raw, last_id, calling_flat = found
    meta = _pairs(meta_flat)
    statuses = _pairs(stations_flat)
    calling = _pairs(calling_flat)
    pace = parse_pace(pace_raw)
    return {
        "id": meta["id"],
        "name": meta["name"],
        "address": meta.get("address", ""),
        "timezone": meta.get("timezone", DEFAULT_TIMEZONE),
        "alert_ahead": int(meta.get("alert_ahead", backend.tuning.alert_ahead)),
        "created_ms": int(meta.get("created_ms", 0)),
        "waiting": int(waiting),
        "pace_seconds": None if pace is None else round(pace, 2),
        "eta_seconds": eta_seconds(int(waiting), pace),
        "accepting": any(s != "closed" for s in statuses.values()),
        "stations": [
            {"number": int(n), "status": statuses[n], "calling": calling.get(n)}
            for n in sorted(statuses, key=int)
        ],
        "last_event_id": last_id,
    }


def set_station_status(backend: Backend, site_id: str, station: int, status: str) -> dict:
    """Returns the site event to broadcast."""
    if status not in STATION_STATUSES:
        raise QueueError("bad_status", status)
    keys = SiteKeys(site_id)
    if not site_exists(backend, site_id):
        raise QueueError("site_not_found", site_id)
    _, event_id, event_json = backend.run(
        "SET_STATION", [keys.stations, keys.events, keys.waiting], [station, status], keys.station_prefix
    )
    return decode_event(event_id, event_json)
