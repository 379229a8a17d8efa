"""A site's stations: open, paused (with a reason) or closed; pooled or single-tube."""

from natqueue.keys import SiteKeys
from natqueue.sites.registry import site_exists
from natqueue.store.backend import Backend, QueueError, request_key
from natqueue.store.feed import decode_event, event_of

STATION_STATUSES = ("open", "paused", "closed")


PAUSE_REASONS = ("disinfection", "ppe_change", "shift_change", "meal", "other")


STATION_MODES = ("pooled", "single")


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
        "SET_STATION", [keys.stations, keys.events, keys.waiting, keys.station_reasons],
        [station, status, reason if status == "paused" else ""], keys,
    )
    return decode_event(event_id, event_json)


def station_reasons(backend: Backend, site_id: str) -> dict[int, str]:
    return {int(n): r for n, r in backend.redis.hgetall(SiteKeys(site_id).station_reasons).items()}


def set_mode(backend: Backend, site_id: str, station: int, mode: str, request_id: str | None = None):
    """Pooled or single-tube; returns the site event (None on a replay)."""
    if mode not in STATION_MODES:
        raise QueueError("bad_mode", mode)
    keys = SiteKeys(site_id)
    result = backend.run("SET_MODE", keys.flow_keys(f"mode:{station}", request_key(request_id)),
                         [station, mode], keys)
    return event_of(result)


def station_modes(backend: Backend, site_id: str) -> dict[int, str]:
    keys = SiteKeys(site_id)
    stations = backend.redis.hkeys(keys.stations)
    modes = backend.redis.hgetall(keys.modes)
    return {int(n): modes.get(n, "pooled") for n in stations}
