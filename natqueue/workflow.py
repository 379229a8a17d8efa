"""Who joins and how they are called: documents, households, walk-ins, lanes and station modes.

Everything that changes the queue runs in one Lua script (``lua.JOIN``,
``lua_flow.SET_FLAGS``, ``lua_flow.SET_MODE``); this module checks the input,
decides each person's lane, and reads the answers.
"""

import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from natqueue.backend import Backend, QueueError
from natqueue.documents import age_on, person_key
from natqueue.feed import decode_event
from natqueue.keys import SiteKeys
from natqueue.tickets import _ticket, get_ticket, new_ticket_id, request_key, site_of

#: Reasons for the priority lane; 'elderly' is also computed from the birth date.
PRIORITY_REASONS = ("elderly", "disabled", "pregnant", "child")
#: Reasons a resident must be tested alone.
SINGLE_REASONS = ("yellow_code", "organizer")
STATION_MODES = ("pooled", "single")
ELDERLY_AGE = 70
DEFAULT_FAMILY_MAX = 8
DEFAULT_TUBE_PATTERN = r"^(\d{10}|\d{12})$"
DEFAULT_TUBE_CAPACITY = 10
TUBE_CAPACITIES = (5, 10, 20)
DEFAULT_RETENTION_DAYS = 14
_CODE_PREFIX = "QN"


@dataclass
class Person:
    name: str
    phone: str
    doc_type: str
    id_number: str
    declared: str = ""  # priority the resident declared, for staff to confirm
    single: str = ""  # a single-tube reason, when set by staff or declared (yellow code)
    priority: str = ""  # priority set by staff (a walk-in)


def settings(backend: Backend, site_id: str) -> dict:
    """The site's workflow settings, with their defaults."""
    meta = backend.redis.hgetall(SiteKeys(site_id).meta)
    if not meta:
        raise QueueError("site_not_found", site_id)
    return {
        "priority_ratio": [int(meta.get("priority_ratio_p", 1)), int(meta.get("priority_ratio_r", 2))],
        "tube_capacity": int(meta.get("tube_capacity", DEFAULT_TUBE_CAPACITY)),
        "tube_pattern": meta.get("tube_pattern", DEFAULT_TUBE_PATTERN),
        "require_tube": meta.get("require_tube") == "1",
        "family_max": int(meta.get("family_max", DEFAULT_FAMILY_MAX)),
        "retention_days": int(meta.get("retention_days", DEFAULT_RETENTION_DAYS)),
        "round": meta.get("round", "1"),
        "timezone": meta.get("timezone", "Asia/Shanghai"),
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
    return settings(backend, site_id)


def tube_pattern_ok(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


def is_tube_code(backend: Backend, site_id: str, code: str) -> bool:
    return bool(re.fullmatch(settings(backend, site_id)["tube_pattern"], code))


def today(backend: Backend, timezone: str):
    """The site's date by the backend's clock (a test's fixed clock, else Redis TIME)."""
    return datetime.fromtimestamp(backend.now_ms() / 1000, UTC).astimezone(ZoneInfo(timezone)).date()


def lane_for(person: Person, on_date) -> tuple[str, str]:
    """(lane, priority reason). 70 and over by the document's birth date is priority by itself;
    a declared reason waits for staff to confirm it."""
    priority = person.priority
    if not priority:
        age = age_on(person.doc_type, person.id_number, on_date)
        if age is not None and age >= ELDERLY_AGE:
            priority = "elderly"
    lane = ("s" if person.single else "") + ("p" if priority else "r")
    return lane, priority


def _lanes(backend: Backend, keys: SiteKeys, people: list[Person]) -> list[tuple[str, str]]:
    """Each person's lane. The site's date decides only for someone whose 70th birthday is within
    a day of today (any time zone's date is within a day of UTC's), so a join reads the site's
    time zone and the shared clock only then: two round trips fewer for nearly every join."""
    now_s = backend.clock() / 1000 if backend.clock is not None else time.time()
    utc_date = datetime.fromtimestamp(now_s, UTC).date()
    site_date = None
    lanes = []
    for p in people:
        before, after = lane_for(p, utc_date - timedelta(days=1)), lane_for(p, utc_date + timedelta(days=1))
        if before != after:
            if site_date is None:
                site_date = today(backend, backend.redis.hget(keys.meta, "timezone") or "Asia/Shanghai")
            before = lane_for(p, site_date)
        lanes.append(before)
    return lanes


def join_people(backend: Backend, site_id: str, people: list[Person], request_id: str | None = None,
                walk_in: bool = False) -> tuple[list[dict], dict | None]:
    """Queue one person or a household, atomically: all tickets or none.

    Returns (tickets with their tokens, in order; the site event, or None on a replay)."""
    keys = SiteKeys(site_id)
    payload = []
    for p, (lane, priority) in zip(people, _lanes(backend, keys, people), strict=True):
        payload.append({"id": new_ticket_id(site_id), "token": secrets.token_urlsafe(18), "name": p.name,
                        "phone": p.phone, "doc_type": p.doc_type, "id_number": p.id_number,
                        "person": person_key(p.doc_type, p.id_number), "lane": lane, "priority": priority,
                        "single": p.single, "declared": p.declared if not priority else ""})
    household = secrets.token_hex(6) if len(people) > 1 else ""
    try:
        result = backend.run(
            "JOIN",
            [keys.meta, keys.stations, keys.waiting, keys.live_ids, keys.seq, keys.events,
             keys.idem("join", request_key(request_id))],
            [keys.ticket_prefix, household, "1" if walk_in else "", json.dumps(payload, ensure_ascii=False)],
            keys.station_prefix,
        )
    except QueueError as exc:
        if exc.code == "already_queued":
            number, _, index = exc.detail.partition("@")
            raise QueueError("already_queued", site_id, number=number, person=int(index or 0)) from None
        raise
    if result[0] == "replay":
        first = get_ticket(backend, result[1], include_token=True)
        if not first.get("household"):
            return [first], None
        ids = backend.redis.lrange(keys.household(first["household"]), 0, -1)
        return [get_ticket(backend, tid, include_token=True) for tid in ids], None
    _, _ids, event_id, event_json, snaps, last_id, pace_raw, single_pace_raw = result
    found = [_ticket(keys, [flat, ahead, last_id, single_pace_raw if p.single else pace_raw], include_token=True)
             for p, (flat, ahead) in zip(people, snaps, strict=True)]
    return found, decode_event(event_id, event_json)


def ticket_code(secret: str, ticket_id: str) -> str:
    """What the resident's QR code holds: the ticket id and a short keyed check, never the ID number."""
    check = hmac.new(secret.encode(), ticket_id.encode(), hashlib.sha256).hexdigest()[:6].upper()
    return f"{_CODE_PREFIX}.{ticket_id}.{check}"


def ticket_from_code(secret: str, code: str) -> str | None:
    """The ticket id a scanned code names, or None when it is not one of ours (or was altered)."""
    code = code.strip()
    if not code.upper().startswith(_CODE_PREFIX + "."):
        return None
    body = code[len(_CODE_PREFIX) + 1:]
    ticket_id, sep, _check = body.rpartition(".")
    if not sep or not ticket_id:
        return None
    expected = ticket_code(secret, ticket_id)
    return ticket_id if hmac.compare_digest(expected.upper(), code.upper()) else None


def live_ticket_of(backend: Backend, site_id: str, doc_type: str, number: str) -> str | None:
    """The waiting or called ticket of a person, if any (an ID card scanned at the table)."""
    return backend.redis.hget(SiteKeys(site_id).live_ids, person_key(doc_type, number))


def set_flags(backend: Backend, ticket_id: str, priority: str | None, single: str | None,
              request_id: str | None = None) -> tuple[dict, dict | None]:
    """Staff set (reason), clear ('') or keep (None) a ticket's priority and single-tube marks."""
    keys = SiteKeys(site_of(ticket_id))
    result = backend.run(
        "SET_FLAGS", keys.flow_keys(f"flags:{ticket_id}", request_key(request_id)),
        [keys.ticket(ticket_id), "-" if priority is None else priority, "-" if single is None else single],
        keys.station_prefix,
    )
    event = decode_event(result[2], result[3]) if result[0] == "ok" else None
    return get_ticket(backend, ticket_id), event


def set_mode(backend: Backend, site_id: str, station: int, mode: str, request_id: str | None = None):
    """Pooled or single-tube; returns the site event (None on a replay)."""
    if mode not in STATION_MODES:
        raise QueueError("bad_mode", mode)
    keys = SiteKeys(site_id)
    result = backend.run("SET_MODE", keys.flow_keys(f"mode:{station}", request_key(request_id)),
                         [station, mode], keys.station_prefix)
    return decode_event(result[2], result[3]) if result[0] == "ok" else None


def station_modes(backend: Backend, site_id: str) -> dict[int, str]:
    keys = SiteKeys(site_id)
    stations = backend.redis.hkeys(keys.stations)
    modes = backend.redis.hgetall(keys.modes)
    return {int(n): modes.get(n, "pooled") for n in stations}


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
