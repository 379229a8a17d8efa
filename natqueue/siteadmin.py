"""What organizers set per site beyond the core: hours, bands, the staffing standard,
shifts; and stations paused with a reason.

Settings live in the site's meta hash next to the core's fields, so one read
of the meta gives a site's whole picture.
"""

import json

from natqueue import figures
from natqueue.backend import Backend, QueueError
from natqueue.feed import decode_event
from natqueue.keys import SiteKeys
from natqueue.sites import STATION_STATUSES, site_exists

PAUSE_REASONS = ("disinfection", "ppe_change", "shift_change", "meal", "other")

#: Setting -> default. Integers are minutes or hours; times are local "HH:MM".
DEFAULTS = {
    "area": "",
    "opens": "",
    "closes": "",
    "band_busy_min": figures.DEFAULT_BAND_BUSY_MIN,
    "band_congested_min": figures.DEFAULT_BAND_CONGESTED_MIN,
    "wait_target_min": figures.DEFAULT_WAIT_TARGET_MIN,
    "shift_day_start": figures.DEFAULT_DAY_SHIFT_START,
    "shift_hours": figures.DEFAULT_SHIFT_HOURS,
}
_INTS = ("band_busy_min", "band_congested_min", "wait_target_min", "shift_hours")


def settings(meta: dict) -> dict:
    """A site's settings from its meta hash, defaults filled in."""
    found = {}
    for name, default in DEFAULTS.items():
        value = meta.get(name)
        if value in (None, ""):
            found[name] = default
        else:
            found[name] = int(value) if name in _INTS else value
    try:
        standard = json.loads(meta.get("standard") or "null") or {}
    except ValueError:
        standard = {}
    found["standard"] = {role: int(standard.get(role, n)) for role, n in figures.DEFAULT_STANDARD.items()}
    return found


def read_meta(backend: Backend, site_id: str) -> dict:
    meta = backend.redis.hgetall(SiteKeys(site_id).meta)
    if not meta:
        raise QueueError("site_not_found", site_id)
    return meta


def update_site(backend: Backend, site_id: str, changes: dict, stations: int | None = None) -> None:
    """Write already-validated settings (and a larger station count) in one step."""
    keys = SiteKeys(site_id)
    flat = []
    for name, value in changes.items():
        if name == "standard":
            value = json.dumps(value, sort_keys=True)
        if name == "timezone":
            flat += ["tz_offset_ms", str(figures.tz_offset_ms(value, backend.now_ms()))]
        flat += [name, str(value)]
    result = backend.script("UPDATE_SITE")(keys=[keys.meta, keys.stations],
                                           args=["" if stations is None else stations, *flat])
    if result[0] == "err":
        raise QueueError(result[1], result[2])


def set_station_status(backend: Backend, site_id: str, station: int, status: str, reason: str = "") -> dict:
    """Open, pause (with a reason) or close a station; returns the site event to broadcast."""
    if status not in STATION_STATUSES:
        raise QueueError("bad_status", status)
    if reason and reason not in PAUSE_REASONS:
        raise QueueError("bad_reason", reason)
    if not site_exists(backend, site_id):
        raise QueueError("site_not_found", site_id)
    keys = SiteKeys(site_id)
    _, event_id, event_json = backend.run(
        "SET_STATION_REASON", [keys.stations, keys.events, keys.waiting, keys.station_reasons],
        [station, status, reason if status == "paused" else ""], keys.station_prefix,
    )
    return decode_event(event_id, event_json)


def station_reasons(backend: Backend, site_id: str) -> dict[int, str]:
    return {int(n): r for n, r in backend.redis.hgetall(SiteKeys(site_id).station_reasons).items()}
