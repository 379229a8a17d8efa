"""Sampling sites: creating them, listing them, and their public picture."""

from natqueue.figures.arithmetic import zone_offsets
from natqueue.keys import SITES_KEY, SiteKeys
from natqueue.sites.settings import DEFAULT_TIMEZONE
from natqueue.sites.staff_code import code_hash, new_staff_code
from natqueue.store.backend import Backend, QueueError
from natqueue.tickets.pace import eta_seconds, parse_pace

MAX_STATIONS = 50


def create_site(
    backend: Backend,
    site_id: str,
    name: str,
    stations: int,
    address: str = "",
    timezone: str = DEFAULT_TIMEZONE,
    alert_ahead: int | None = None,
    require_tube: bool = True,
) -> dict:
    """Create a site; returns it with its staff code, which is shown this once.

    A new site requires a tube for every sample: real sites put every swab in a tube, and a
    sample recorded without one cannot be traced to its tube when the lab finds a positive
    pool. A site that really samples without tubes turns it off in its workflow settings."""
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
        "staff_code_hash": code_hash(site_id, code),
        "staff_code": code,
        "staff_version": 1,
        "require_tube": "1" if require_tube else "0",
        "tz_offsets": zone_offsets(timezone, backend.now_ms()),  # the figures count in the site's time
    }
    flat = [str(x) for pair in meta.items() for x in pair]
    backend.run("CREATE_SITE", [keys.meta, keys.stations, SITES_KEY], [site_id, stations, *flat], keys)
    site = get_site(backend, site_id)
    site["staff_code"] = code
    return site


def refresh_time_zones(backend: Backend) -> int:
    """Write every site's zone offsets afresh: they reach five years ahead of when they were
    written, and a zone's rules may have changed since (a new tzdata). Run at each app start;
    returns how many sites were refreshed."""
    now = backend.now_ms()
    refreshed = 0
    for site_id in list_site_ids(backend):
        keys = SiteKeys(site_id)
        timezone = backend.redis.hget(keys.meta, "timezone")
        if timezone:  # a site without a zone counts in the default one, which the scripts know
            refreshed += backend.run("REFRESH_ZONE", [keys.meta], [timezone, zone_offsets(timezone, now)], keys)
    return refreshed


def site_exists(backend: Backend, site_id: str) -> bool:
    return bool(backend.redis.exists(SiteKeys(site_id).meta))


def list_site_ids(backend: Backend) -> list[str]:
    return sorted(backend.redis.smembers(SITES_KEY))


def _pairs(flat: list) -> dict:
    return dict(zip(flat[::2], flat[1::2], strict=False))


def _snapshot_call(site_id: str) -> tuple[list, list, SiteKeys]:
    keys = SiteKeys(site_id)
    return [keys.meta, keys.stations, keys.waiting, keys.events, keys.calling], [], keys


def _picture(backend: Backend, found: list) -> tuple[dict, dict]:
    """A site's public picture and its meta hash, from its ``SITE_SNAPSHOT`` answer."""
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
    }, meta


def get_site_and_meta(backend: Backend, site_id: str) -> tuple[dict, dict]:
    """The site's public picture and its meta hash (its settings), in one round trip."""
    keys, args, site_keys = _snapshot_call(site_id)
    found = backend.run("SITE_SNAPSHOT", keys, args, site_keys)
    if not found:
        raise QueueError("site_not_found", site_id)
    return _picture(backend, found)


def get_site(backend: Backend, site_id: str) -> dict:
    """The public picture of a site, consistent with the feed position ``last_event_id``."""
    return get_site_and_meta(backend, site_id)[0]


def get_sites_and_meta(backend: Backend, site_ids: list[str]) -> list[tuple[dict, dict]]:
    """``get_site_and_meta`` for many sites in one round trip; a site gone meanwhile is left out."""
    found = backend.run_each("SITE_SNAPSHOT", [_snapshot_call(site_id) for site_id in site_ids])
    return [_picture(backend, one) for one in found if one]
