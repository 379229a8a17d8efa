"""Tickets: joining, being called, and every move after that.

Each change is one Lua script (``natqueue.lua``), keyed by a request id so a
retry replays instead of acting twice. Functions return the ticket as its
holder sees it plus the site event to broadcast, and never message phones
themselves: the web layer does that, once per change.
"""

import hmac
import secrets
import uuid

from natqueue.backend import Backend, QueueError
from natqueue.feed import decode_event
from natqueue.keys import SiteKeys
from natqueue.pace import eta_seconds, parse_pace
from natqueue.validation import mask_id_number, mask_phone
from natqueue.workflow_view import flow_fields, upcoming_ids

STATUSES = ("waiting", "called", "sampled", "no_show", "cancelled")
LIVE = ("waiting", "called")
#: Staff moves; ``cancel`` is the holder's (or staff's) way out.
OPERATIONS = ("recall", "check_in", "no_show", "sampled", "cancel")
_SEPARATOR = "."


def new_ticket_id(site_id: str) -> str:
    """``<site>.<random>``: the site is recoverable from the id alone, the rest unguessable."""
    return f"{site_id}{_SEPARATOR}{secrets.token_hex(6)}"


def site_of(ticket_id: str) -> str:
    site_id, sep, rest = ticket_id.rpartition(_SEPARATOR)
    if not sep or not site_id or not rest:
        raise QueueError("ticket_not_found", ticket_id)
    return site_id


def request_key(request_id: str | None) -> str:
    """Without a client id, a fresh one still protects against redis-py's own retries."""
    return request_id or uuid.uuid4().hex


def _event(result) -> dict | None:
    if len(result) >= 4:
        return decode_event(result[2], result[3])
    return None


def join(backend: Backend, site_id: str, name: str, phone: str, id_number: str,
         request_id: str | None = None) -> tuple[dict, dict | None]:
    """Queue one person with a resident ID. Returns (ticket with its token, event or None on a replay)."""
    from natqueue.workflow import Person, join_people

    found, event = join_people(backend, site_id, [Person(name, phone, "id", id_number)], request_id=request_id)
    return found[0], event


def call_next(backend: Backend, site_id: str, station: int,
              request_id: str | None = None) -> tuple[dict | None, dict | None]:
    """The next waiting ticket, now called to ``station``; (None, None) when nobody waits."""
    keys = SiteKeys(site_id)
    result = backend.run(
        "CALL_NEXT",
        [keys.stations, keys.waiting, keys.events, keys.idem(f"call:{station}", request_key(request_id)),
         keys.serving(station), keys.calling],
        [station, keys.ticket_prefix],
        keys.station_prefix,
    )
    if result[0] == "empty" or (result[0] == "replay" and not result[1]):
        return None, None
    ticket = get_ticket(backend, result[1])
    # The rest of a household, called with it to the same station.
    ticket["also_called"] = [get_ticket(backend, tid) for tid in (result[4] if len(result) > 4 else [])]
    return ticket, _event(result)


def transition(backend: Backend, ticket_id: str, op: str, request_id: str | None = None,
               holder_token: str | None = None, expect_tube: str | None = None) -> tuple[dict, dict | None]:
    """recall / check_in / no_show / sampled / cancel.

    ``holder_token`` set means the holder acts, and it must match the ticket's. ``expect_tube``
    (sampled only): the tube the station had open when the mark was made, '-' for none; the
    sample is refused (``tube_changed``) if that is no longer the station's open tube."""
    if op not in OPERATIONS:
        raise QueueError("bad_operation", op)
    keys = SiteKeys(site_of(ticket_id))
    result = backend.run(
        "TRANSITION",
        [keys.ticket(ticket_id), keys.waiting, keys.live_ids, keys.events,
         keys.idem(f"{op}:{ticket_id}", request_key(request_id)), keys.served, keys.stations, keys.calling],
        [op, holder_token or "", expect_tube or ""],
        keys.station_prefix,
    )
    return get_ticket(backend, result[1]), _event(result)


def _int(value) -> int | None:
    return None if value in (None, "") else int(value)


def get_ticket(backend: Backend, ticket_id: str, include_token: bool = False) -> dict:
    """The ticket as its holder sees it: place, wait, and where to go; ID and phone masked."""
    keys = SiteKeys(site_of(ticket_id))
    found = backend.run(
        "TICKET_SNAPSHOT",
        [keys.ticket(ticket_id), keys.waiting, keys.events, keys.stations],
        [],
        keys.station_prefix,
    )
    if not found:
        raise QueueError("ticket_not_found", ticket_id)
    return _ticket(keys, found, include_token)


def _ticket(keys: SiteKeys, found: list, include_token: bool) -> dict:
    """A TICKET_SNAPSHOT answer (or the same four values JOIN returns) as the holder sees it."""
    flat, rank, last_id, pace_raw = found
    raw = dict(zip(flat[::2], flat[1::2], strict=False))
    ahead = int(rank) if raw["status"] == "waiting" and int(rank) >= 0 else None
    pace = parse_pace(pace_raw)
    ticket = {
        "id": raw["id"],
        "site_id": keys.site_id,
        "number": raw["number"],
        "status": raw["status"],
        "score": int(raw["score"]),
        "name": raw.get("name", ""),
        "phone": mask_phone(raw.get("phone", "")),
        "id_number": mask_id_number(raw.get("id_number", "")),
        "ahead": ahead,
        "eta_seconds": eta_seconds(ahead, pace) if ahead is not None else None,
        "pace_seconds": None if pace is None else round(pace, 2),
        "station": _int(raw.get("station")),
        "recalls": int(raw.get("recalls", 0)),
        "created_ms": int(raw["created_ms"]),
        "called_ms": _int(raw.get("called_ms")),
        "checked_in_ms": _int(raw.get("checked_in_ms")),
        "finished_ms": _int(raw.get("finished_ms")),
        "last_event_id": last_id,
    }
    ticket.update(flow_fields(raw))
    if include_token:
        ticket["token"] = raw["token"]
    return ticket


def check_holder(backend: Backend, ticket_id: str, token: str | None) -> None:
    """Only the phone that joined may read or cancel a ticket."""
    keys = SiteKeys(site_of(ticket_id))
    stored = backend.redis.hget(keys.ticket(ticket_id), "token")
    if stored is None:
        raise QueueError("ticket_not_found", ticket_id)
    if not token or not hmac.compare_digest(stored, token):
        raise QueueError("forbidden", ticket_id)


def station_view(backend: Backend, site_id: str, station: int, upcoming: int = 5) -> dict:
    """What a station console shows: tickets called here and not finished, and who is next."""
    keys = SiteKeys(site_id)
    pipe = backend.redis.pipeline(transaction=True)
    pipe.zrange(keys.serving(station), 0, -1)
    pipe.zrange(keys.waiting, 0, upcoming - 1)
    pipe.zcard(keys.waiting)
    pipe.hget(keys.stations, station)
    serving_ids, next_ids, waiting, status = pipe.execute()
    if status is None:
        raise QueueError("station_not_found", str(station))
    in_lanes = upcoming_ids(backend, site_id, station, upcoming)  # by lane and the site's ratio
    next_ids = next_ids if in_lanes is None else in_lanes
    pipe = backend.redis.pipeline(transaction=False)
    for tid in [*serving_ids, *next_ids]:
        pipe.hgetall(keys.ticket(tid))
    rows = []
    for raw in pipe.execute():
        if not raw:
            continue
        rows.append({"id": raw["id"], "number": raw["number"], "name": raw.get("name", ""),
                     "id_number": mask_id_number(raw.get("id_number", "")),
                     "phone": mask_phone(raw.get("phone", "")), "status": raw["status"],
                     "called_ms": _int(raw.get("called_ms")), "created_ms": _int(raw.get("created_ms")),
                     "checked_in_ms": _int(raw.get("checked_in_ms")),
                     "recalls": int(raw.get("recalls") or 0), **flow_fields(raw)})
    return {
        "site_id": site_id,
        "station": station,
        "status": status,
        "waiting": int(waiting),
        "serving": rows[: len(serving_ids)],
        "next": rows[len(serving_ids):],
    }
