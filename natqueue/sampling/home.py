"""Home sampling: residents who cannot come, visited by a home team with its own tubes."""

import json

from natqueue.community import coverage
from natqueue.keys import SiteKeys
from natqueue.store.backend import Backend, QueueError, request_key
from natqueue.store.feed import event_of
from natqueue.tickets.documents import person_key
from natqueue.tickets.ids import new_ticket_id, site_of
from natqueue.tickets.views import get_ticket
from natqueue.validation import mask_id_number, mask_phone

#: Home teams are numbered 1..MAX_HOME_TEAM (owners ``h1``..``h99``): more than any site
#: sends out, and a bound, so a mistyped team 100000 is refused instead of opening tubes.
MAX_HOME_TEAM = 99


def home_add(backend: Backend, site_id: str, name: str, phone: str, doc_type: str, id_number: str,
             address: str, reason: str, single: str = "", request_id: str | None = None):
    keys = SiteKeys(site_id)
    if not backend.redis.exists(keys.meta):
        raise QueueError("site_not_found", site_id)
    person = {"id": new_ticket_id(site_id), "token": "", "name": name, "phone": phone, "doc_type": doc_type,
              "id_number": id_number, "person": person_key(doc_type, id_number), "single": single,
              "address": address, "reason": reason}
    result = backend.run("HOME_ADD", keys.flow_keys("home-add", request_key(request_id)),
                         [keys.ticket_prefix, json.dumps(person, ensure_ascii=False)], keys)
    coverage.after_site_script(backend, result)  # on the home list: 'home' in the community's coverage
    return get_ticket(backend, result[1]), event_of(result)


def home_done(backend: Backend, ticket_id: str, team: int, request_id: str | None = None):
    keys = SiteKeys(site_of(ticket_id))
    result = backend.run("HOME_DONE", keys.flow_keys(f"home-done:{ticket_id}", request_key(request_id)),
                         [keys.ticket(ticket_id), f"h{team}"], keys)
    coverage.after_site_script(backend, result)
    return get_ticket(backend, ticket_id), event_of(result)


def home_list(backend: Backend, site_id: str) -> list[dict]:
    """Home visits still to do, with the address the team needs; ID and phone masked. Ordered by
    address (compound, then building, unit and room, 2栋 before 10栋), so a team walks each
    building once instead of back and forth; visits at one address stay in the order added."""
    keys = SiteKeys(site_id)
    ids = backend.redis.zrange(keys.home, 0, -1)
    pipe = backend.redis.pipeline(transaction=False)
    for tid in ids:
        pipe.hgetall(keys.ticket(tid))
    found = sorted((raw for raw in pipe.execute() if raw), key=lambda raw: coverage.natural(raw.get("address", "")))
    return [{"id": raw["id"], "number": raw["number"], "name": raw.get("name", ""),
             "id_number": mask_id_number(raw.get("id_number", "")), "phone": mask_phone(raw.get("phone", "")),
             "address": raw.get("address", ""), "reason": raw.get("home_reason", ""),
             "single": raw.get("single") or None} for raw in found]
