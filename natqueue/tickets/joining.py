"""Joining the queue: one person or a whole household, atomically."""

import json
import secrets
from dataclasses import dataclass

from natqueue.keys import SiteKeys
from natqueue.store.backend import Backend, QueueError, request_key
from natqueue.store.feed import decode_event
from natqueue.tickets.documents import person_key
from natqueue.tickets.ids import new_ticket_id
from natqueue.tickets.lanes import Person, lanes_of
from natqueue.tickets.views import get_ticket, ticket_view

#: Joins from one client address per window. A person joins once and a household in one request;
#: a site's wifi, or a carrier's shared address, may carry many residents, so this stays well above
#: a crowd's share of one address and far below what fills a queue. Staff walk-ins are not counted.
JOINS_PER_ADDRESS = 30
JOINS_ADDRESS_WINDOW_S = 300
#: Joins at one site per window, from all addresses together: a site's busiest morning crowd
#: (a few hundred people scanning the poster as the site opens) fits; a script spread over many
#: addresses stops here, and needs more than this / JOINS_PER_ADDRESS of them to shut joins
#: for the rest of the minute.
JOINS_PER_SITE = 300
JOINS_SITE_WINDOW_S = 60


@dataclass(frozen=True)
class JoinLimits:
    """How often one client address, and one site, may join (0: no limit)."""

    client: str
    per_address: int = JOINS_PER_ADDRESS
    address_window_s: int = JOINS_ADDRESS_WINDOW_S
    per_site: int = JOINS_PER_SITE
    site_window_s: int = JOINS_SITE_WINDOW_S


#: Staff's walk-ins, the command line, and tests of the queue itself: unbounded.
NO_LIMITS = JoinLimits("", 0, 1, 0, 1)


def join(backend: Backend, site_id: str, name: str, phone: str, id_number: str,
         request_id: str | None = None) -> tuple[dict, dict | None]:
    """Queue one person with a resident ID. Returns (ticket with its token, event or None on a replay)."""
    found, event = join_people(backend, site_id, [Person(name, phone, "id", id_number)], request_id=request_id)
    return found[0], event


def join_people(backend: Backend, site_id: str, people: list[Person], request_id: str | None = None,
                walk_in: bool = False, limits: JoinLimits = NO_LIMITS) -> tuple[list[dict], dict | None]:
    """Queue one person or a household, atomically: all tickets or none. Past ``limits``
    (a resident's phone: per address and per site) it is refused with ``too_many_joins``.

    Returns (tickets with their tokens, in order; the site event, or None on a replay)."""
    keys = SiteKeys(site_id)
    payload = []
    for p, (lane, priority) in zip(people, lanes_of(backend, keys, people), strict=True):
        payload.append({"id": new_ticket_id(site_id), "token": secrets.token_urlsafe(18), "name": p.name,
                        "phone": p.phone, "doc_type": p.doc_type, "id_number": p.id_number,
                        "person": person_key(p.doc_type, p.id_number), "lane": lane, "priority": priority,
                        "single": p.single, "declared": p.declared if not priority else ""})
    household = secrets.token_hex(6) if len(people) > 1 else ""
    try:
        result = backend.run(
            "JOIN",
            [keys.meta, keys.stations, keys.waiting, keys.live_ids, keys.seq, keys.events,
             keys.idem("join", request_key(request_id)), keys.joins, keys.joins_from(limits.client)],
            [keys.ticket_prefix, household, "1" if walk_in else "", json.dumps(payload, ensure_ascii=False),
             limits.per_address, limits.address_window_s, limits.per_site, limits.site_window_s],
            keys,
        )
    except QueueError as exc:
        if exc.code == "already_queued":
            number, _, index = exc.detail.partition("@")
            shown = {"number": number} if number else {}  # only for the holder's phone, or staff
            raise QueueError("already_queued", site_id, person=int(index or 0), **shown) from None
        raise
    if result[0] == "replay":
        first = get_ticket(backend, result[1], include_token=True)
        if not first.get("household"):
            return [first], None
        ids = backend.redis.lrange(keys.household(first["household"]), 0, -1)
        return [get_ticket(backend, tid, include_token=True) for tid in ids], None
    _, _ids, event_id, event_json, snaps, last_id, pace_raw, single_pace_raw = result
    found = [ticket_view(keys, [flat, ahead, last_id, single_pace_raw if p.single else pace_raw], include_token=True)
             for p, (flat, ahead) in zip(people, snaps, strict=True)]
    return found, decode_event(event_id, event_json)
