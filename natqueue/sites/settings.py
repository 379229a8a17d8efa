"""Every setting of a site, its default, and the site's own time.

Settings live in the site's meta hash next to its core fields, so one read of the meta gives a
site's whole picture. This module is the only reader and writer of that hash's settings.
"""

import json
import re
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from natqueue.figures import arithmetic
from natqueue.keys import SiteKeys
from natqueue.store.backend import Backend, QueueError

DEFAULT_TIMEZONE = "Asia/Shanghai"


DEFAULT_FAMILY_MAX = 8


DEFAULT_TUBE_PATTERN = r"^(\d{10}|\d{12})$"


DEFAULT_TUBE_CAPACITY = 10


#: While both lanes wait: this many priority calls, then this many regular ones.
DEFAULT_PRIORITY_RATIO = (1, 2)


TUBE_CAPACITIES = (5, 10, 20)


DEFAULT_RETENTION_DAYS = 14


#: Minutes after a no-show during which staff may still bring the resident back (slow walkers,
#: the elderly): past it, the resident takes a new number.
DEFAULT_RETURN_WINDOW_MIN = 15
RETURN_WINDOW_RANGE = (1, 120)


#: Setting -> default. Integers are minutes or hours; times are local "HH:MM".
DEFAULTS = {
    "area": "",
    "opens": "",
    "closes": "",
    "band_busy_min": arithmetic.DEFAULT_BAND_BUSY_MIN,
    "band_congested_min": arithmetic.DEFAULT_BAND_CONGESTED_MIN,
    "wait_target_min": arithmetic.DEFAULT_WAIT_TARGET_MIN,
    "shift_day_start": arithmetic.DEFAULT_DAY_SHIFT_START,
    "shift_hours": arithmetic.DEFAULT_SHIFT_HOURS,
}


_INTS = ("band_busy_min", "band_congested_min", "wait_target_min", "shift_hours")


def script_defaults() -> dict[str, int | str]:
    """The defaults the Lua scripts fall back on while a site's meta lacks the setting; the
    script loader hands them to every script as the table ``D``."""
    return {
        "priority_ratio_p": DEFAULT_PRIORITY_RATIO[0],
        "priority_ratio_r": DEFAULT_PRIORITY_RATIO[1],
        "tube_capacity": DEFAULT_TUBE_CAPACITY,
        "return_window_min": DEFAULT_RETURN_WINDOW_MIN,
        "wait_target_min": DEFAULTS["wait_target_min"],
        "tz_offsets": arithmetic.zone_offsets(DEFAULT_TIMEZONE, int(time.time() * 1000)),
    }


def organizer_settings(meta: dict) -> dict:
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
    found["standard"] = {role: int(standard.get(role, n)) for role, n in arithmetic.DEFAULT_STANDARD.items()}
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
        if name == "timezone":  # the scripts that count figures find the site's offsets here
            flat += ["tz_offsets", arithmetic.zone_offsets(value, backend.now_ms())]
        flat += [name, str(value)]
    backend.run("UPDATE_SITE", [keys.meta, keys.stations], ["" if stations is None else stations, *flat], keys)


def workflow_settings(backend: Backend, site_id: str) -> dict:
    """The site's workflow settings, with their defaults."""
    return workflow_of(read_meta(backend, site_id))


def workflow_of(meta: dict) -> dict:
    """The workflow settings from a site's meta hash already read, with their defaults."""
    return {
        "priority_ratio": [int(meta.get("priority_ratio_p", DEFAULT_PRIORITY_RATIO[0])),
                           int(meta.get("priority_ratio_r", DEFAULT_PRIORITY_RATIO[1]))],
        "tube_capacity": int(meta.get("tube_capacity", DEFAULT_TUBE_CAPACITY)),
        "tube_pattern": meta.get("tube_pattern", DEFAULT_TUBE_PATTERN),
        "require_tube": meta.get("require_tube") == "1",
        "family_max": int(meta.get("family_max", DEFAULT_FAMILY_MAX)),
        "retention_days": int(meta.get("retention_days", DEFAULT_RETENTION_DAYS)),
        "return_window_min": int(meta.get("return_window_min", DEFAULT_RETURN_WINDOW_MIN)),
        "round": meta.get("round", "1"),
        "timezone": meta.get("timezone", DEFAULT_TIMEZONE),
        "name": meta.get("name", ""),
    }


def update_settings(backend: Backend, site_id: str, changes: dict) -> dict:
    """Store already-checked settings (see the API for the checks)."""
    keys = SiteKeys(site_id)
    if not backend.redis.exists(keys.meta):
        raise QueueError("site_not_found", site_id)
    flat = {}
    for name, value in changes.items():
        if name == "priority_ratio":
            flat["priority_ratio_p"], flat["priority_ratio_r"] = value
        elif name == "require_tube":
            flat[name] = "1" if value else "0"
        else:
            flat[name] = value
    if flat:
        backend.redis.hset(keys.meta, mapping=flat)
    return workflow_settings(backend, site_id)


def tube_pattern_ok(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


def today(backend: Backend, timezone: str):
    """The site's date by the backend's clock (a test's fixed clock, else Redis TIME)."""
    return datetime.fromtimestamp(backend.now_ms() / 1000, UTC).astimezone(ZoneInfo(timezone)).date()
