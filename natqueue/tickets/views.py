"""Tickets as their holders, staff and the calling order see them: ID and phone masked."""

import hmac

from natqueue.keys import SiteKeys
from natqueue.sites.settings import workflow_settings
from natqueue.store.backend import Backend, QueueError, optional_int
from natqueue.tickets.documents import person_key
from natqueue.tickets.ids import site_of
from natqueue.tickets.pace import eta_seconds, parse_pace
from natqueue.validation import mask_id_number, mask_phone


def get_ticket(backend: Backend, ticket_id: str, include_token: bool = False) -> dict:
    """The ticket as its holder sees it: place, wait, and where to go; ID and phone masked."""
    keys = SiteKeys(site_of(ticket_id))
    found = backend.run(
        "TICKET_SNAPSHOT",
        [keys.ticket(ticket_id), keys.waiting, keys.events, keys.stations],
        [],
        keys,
    )
    if not found:
        raise QueueError("ticket_not_found", ticket_id)
    return ticket_view(keys, found, include_token)


def ticket_view(keys: SiteKeys, found: list, include_token: bool) -> dict:
    """A TICKET_SNAPSHOT answer (or the first four values, which JOIN returns) as the holder sees it."""
    flat, rank, last_id, pace_raw = found[:4]
    return_left_ms = int(found[4]) if len(found) > 4 else -1
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
        "station": optional_int(raw.get("station")),
        "recalls": int(raw.get("recalls", 0)),
        "created_ms": int(raw["created_ms"]),
        "called_ms": optional_int(raw.get("called_ms")),
        "checked_in_ms": optional_int(raw.get("checked_in_ms")),
        "finished_ms": optional_int(raw.get("finished_ms")),
        # A no-show: how long staff may still bring them back (the page says so), else None.
        "return_seconds_left": -(-return_left_ms // 1000) if return_left_ms > 0 else None,
        "last_event_id": last_id,
    }
    ticket.update(flow_fields(raw))
    if include_token:
        ticket["token"] = raw["token"]
    return ticket


#: What anyone with the ticket's link sees (a forwarded page, a relative watching): where it
#: stands and when to go, nothing about the person and no way to change it. ``lane`` and
#: ``single`` stay so that page can keep "ahead" exact from the site's events as the holder's does.
WATCHER_FIELDS = ("id", "site_id", "number", "status", "score", "ahead", "eta_seconds", "pace_seconds",
                  "station", "recalls", "created_ms", "called_ms", "finished_ms", "return_seconds_left",
                  "last_event_id", "lane")


def watcher_view(ticket: dict) -> dict:
    view = {k: ticket.get(k) for k in WATCHER_FIELDS}
    view["single"] = True if ticket.get("single") else None
    view["watching"] = True  # the page shows it read-only
    return view


def check_exists(backend: Backend, ticket_id: str) -> None:
    if not backend.redis.exists(SiteKeys(site_of(ticket_id)).ticket(ticket_id)):
        raise QueueError("ticket_not_found", ticket_id)


def check_holder(backend: Backend, ticket_id: str, token: str | None) -> None:
    """Only the phone that joined may read or cancel a ticket."""
    keys = SiteKeys(site_of(ticket_id))
    stored = backend.redis.hget(keys.ticket(ticket_id), "token")
    if stored is None:
        raise QueueError("ticket_not_found", ticket_id)
    # Tokens are ASCII; compare_digest refuses to compare anything else (a TypeError, not a no).
    if not isinstance(token, str) or not token or not token.isascii() or not hmac.compare_digest(stored, token):
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
                     "called_ms": optional_int(raw.get("called_ms")), "created_ms": optional_int(raw.get("created_ms")),
                     "checked_in_ms": optional_int(raw.get("checked_in_ms")),
                     "recalls": int(raw.get("recalls") or 0), **flow_fields(raw)})
    return {
        "site_id": site_id,
        "station": station,
        "status": status,
        "waiting": int(waiting),
        "serving": rows[: len(serving_ids)],
        "next": rows[len(serving_ids):],
        "no_shows": recent_no_shows(backend, site_id, station),
    }


def recent_no_shows(backend: Backend, site_id: str, station: int, limit: int = 5) -> list[dict]:
    """This station's no-shows that staff may still bring back, latest first (ID masked)."""
    keys = SiteKeys(site_id)
    window_ms = workflow_settings(backend, site_id)["return_window_min"] * 60_000
    now = backend.now_ms()
    ids = backend.redis.zrevrangebyscore(keys.no_shows, "+inf", now - window_ms)
    pipe = backend.redis.pipeline(transaction=False)
    for tid in ids:
        pipe.hmget(keys.ticket(tid), "id", "number", "name", "id_number", "status", "station", "finished_ms")
    found = []
    for tid, number, name, id_number, status, at, finished in pipe.execute():
        if status == "no_show" and at == str(station) and finished and len(found) < limit:
            found.append({"id": tid, "number": number, "name": name or "", "id_number": mask_id_number(id_number or ""),
                          "finished_ms": int(finished),
                          "return_seconds_left": max(0, -(-(int(finished) + window_ms - now) // 1000))})
    return found


def flow_fields(raw: dict) -> dict:
    """Lane, marks, household and tube of a raw ticket hash (ID and phone are masked elsewhere)."""
    return {
        "doc_type": raw.get("doc_type", "id"),
        "lane": raw.get("lane", "r"),
        "priority": raw.get("priority") or None,
        "declared": raw.get("declared") or None,
        "priority_checked": bool(raw.get("priority_checked_ms")),
        "single": raw.get("single") or None,
        "household": raw.get("household") or None,
        "walk_in": raw.get("walk_in") == "1",
        "round": raw.get("round"),
        "tube": raw.get("tube"),
        "tube_position": optional_int(raw.get("tube_pos")),
        "sample_mode": raw.get("sample_mode"),
        "tube_filled": raw.get("tube_filled") == "1",
        "medic": raw.get("medic"),
        "voided": bool(raw.get("voided_ms")),
        "void_reason": raw.get("void_reason"),
    }


def upcoming_ids(backend: Backend, site_id: str, station: int, count: int) -> list[str] | None:
    """Who this station will call next, in the order CALL_NEXT will pick them: upcoming.lua plays
    the same lane choice forward without writing it. None when a pooled station's lanes are
    empty (tickets queued before lanes wait in order)."""
    found = backend.run("UPCOMING", [], [station, count], SiteKeys(site_id))
    return None if found is None else list(found)


def live_ticket_of(backend: Backend, site_id: str, doc_type: str, number: str) -> str | None:
    """The waiting or called ticket of a person, if any (an ID card scanned at the table)."""
    return backend.redis.hget(SiteKeys(site_id).live_ids, person_key(doc_type, number))


def declared(backend: Backend, site_id: str, limit: int = 20) -> list[dict]:
    """Waiting tickets whose declared priority staff have not checked (masked)."""
    keys = SiteKeys(site_id)
    return [get_ticket(backend, tid) for tid in backend.redis.zrange(keys.declared, 0, limit - 1)]


def single_waiting(backend: Backend, site_id: str) -> int:
    """Residents waiting for a single-tube station: only such a station will call them."""
    keys = SiteKeys(site_id)
    pipe = backend.redis.pipeline(transaction=False)
    pipe.zcard(keys.lane("sp"))
    pipe.zcard(keys.lane("sr"))
    return sum(pipe.execute())
