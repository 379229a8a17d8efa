"""The site feed: an ordered stream of what happened at a site.

Every change appends one event to the site's Redis Stream and the app
broadcasts that same event once to the site's room. Broadcasts are hints that
can be lost (a dropped connection, a message queue hiccup); the stream is
the record. A client keeps the id of the last event it applied and, when it
reconnects, gets the events after it, or a fresh snapshot when those have been
trimmed away.
"""

import json
import re

from natqueue.keys import SiteKeys
from natqueue.store.backend import Backend

EVENT_ID = re.compile(r"^\d{1,20}-\d{1,20}$", re.ASCII)
#: More missed events than this and a snapshot is cheaper for everyone.
REPLAY_LIMIT = 500


def event_of(result: list) -> dict | None:
    """The site event a state-changing script answered (``{'ok', id, event_id, event_json, ...}``),
    or None when it replayed an earlier request (its event was broadcast then)."""
    if result[0] == "ok" and len(result) >= 4:
        return decode_event(result[2], result[3])
    return None


def decode_event(event_id: str, event_json: str) -> dict:
    event = json.loads(event_json)
    event["id"] = event_id
    for name in ("pace", "pace_single"):  # -1: no station of that kind is open
        if event.get(name) is not None and event[name] < 0:
            event[name] = None
    return event


def _parse_id(event_id: str) -> tuple[int, int]:
    ms, seq = event_id.split("-")
    return int(ms), int(seq)


def events_since(backend: Backend, site_id: str, last_id: str) -> list[dict] | None:
    """The events after ``last_id``, or None when some may be gone (the caller sends a snapshot)."""
    if not EVENT_ID.match(last_id or ""):
        return None
    keys = SiteKeys(site_id)
    pipe = backend.redis.pipeline(transaction=True)
    pipe.xrange(keys.events, "-", "+", count=1)
    pipe.xrange(keys.events, "(" + last_id, "+", count=REPLAY_LIMIT + 1)
    oldest, newer = pipe.execute()
    if len(newer) > REPLAY_LIMIT:
        return None
    if oldest and _parse_id(oldest[0][0]) > _parse_id(last_id):
        return None  # older than anything kept: events in between may have been trimmed
    return [decode_event(eid, fields["e"]) for eid, fields in newer]
