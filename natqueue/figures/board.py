"""The calling screen's picture: who is called where, the last calls, who comes next, pauses.

One read per screen refresh, public by construction: numbers and stations, never a name.
"Next" is in the order the stations will call: a pooled station's lanes interleaved by the
site's priority ratio (``tickets.views.upcoming_ids``), not the order people joined.
"""

from natqueue.keys import SiteKeys
from natqueue.sites.registry import get_site
from natqueue.store.backend import Backend
from natqueue.store.feed import decode_event
from natqueue.tickets.views import upcoming_ids

#: Calls shown on the calling screen besides the current ones.
RECENT_CALLS = 8
NEXT_SHOWN = 6
#: How far back in the site's feed the last calls are looked for.
FEED_LOOKBACK = 200


def board(backend: Backend, site_id: str) -> dict:
    """The calling screen's picture: current and recent calls, next numbers, pauses."""
    keys = SiteKeys(site_id)
    site = get_site(backend, site_id)
    pipe = backend.redis.pipeline(transaction=True)
    pipe.zrange(keys.waiting, 0, NEXT_SHOWN - 1)
    pipe.xrevrange(keys.events, count=FEED_LOOKBACK)
    pipe.hgetall(keys.station_reasons)
    pipe.hgetall(keys.modes)
    next_ids, recent_events, reasons, modes = pipe.execute()
    pooled = next((s["number"] for s in site["stations"] if modes.get(str(s["number"])) != "single"), None)
    in_lanes = None if pooled is None else upcoming_ids(backend, site_id, pooled, NEXT_SHOWN)
    next_ids = next_ids if in_lanes is None else in_lanes
    pipe = backend.redis.pipeline(transaction=False)
    for tid in next_ids:
        pipe.hget(keys.ticket(tid), "number")
    next_numbers = [n for n in pipe.execute() if n]
    return {
        "site_id": site_id,
        "name": site["name"],
        "waiting": site["waiting"],
        "eta_seconds": site["eta_seconds"],
        "stations": [{**s, "reason": reasons.get(str(s["number"])) if s["status"] == "paused" else None}
                     for s in site["stations"]],
        "recent": _recent_calls(recent_events),
        "next": next_numbers,
        "last_event_id": site["last_event_id"],
    }


def _recent_calls(recent_events: list) -> list[dict]:
    """The last calls and recalls in the feed, newest first."""
    recent = []
    for event_id, fields in recent_events:
        event = decode_event(event_id, fields["e"])
        if event.get("type") in ("called", "recalled"):
            recent.append({"id": event_id, "number": event["number"], "station": event.get("station"),
                           "type": event["type"], "ts": event.get("ts")})
            if len(recent) >= RECENT_CALLS:
                break
    return recent
