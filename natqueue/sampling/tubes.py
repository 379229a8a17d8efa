"""Tubes: which swab is in which tube, exactly.

A station (or a home team, owner ``h<n>``) has at most one open tube. A pooled tube takes the
site's capacity (5, 10 or 20), a single tube one person; the sample that fills a tube closes it,
and the console asks for a new one. The binding itself happens inside the ``sampled`` move, so
a sample and its tube are written together or not at all.
"""

import re

from natqueue.community import coverage
from natqueue.keys import TUBE_SITES_KEY, SiteKeys
from natqueue.sites.settings import workflow_settings
from natqueue.store.backend import Backend, QueueError, optional_int, request_key
from natqueue.store.feed import event_of
from natqueue.tickets.ids import site_of
from natqueue.tickets.views import get_ticket
from natqueue.validation import mask_id_number, mask_phone


def tube_info(backend: Backend, site_id: str, code: str) -> dict | None:
    raw = backend.redis.hgetall(SiteKeys(site_id).tube(code))
    if not raw:
        return None
    return {"code": raw["code"], "round": raw["round"], "owner": raw["owner"], "mode": raw["mode"],
            "capacity": int(raw["capacity"]), "count": int(raw["count"]), "status": raw["status"],
            "opened_ms": int(raw["opened_ms"]), "closed_ms": optional_int(raw.get("closed_ms")),
            "closed_why": raw.get("closed_why")}


def open_tube(backend: Backend, site_id: str, owner: str, code: str, mode: str = "",
              request_id: str | None = None) -> tuple[dict, dict | None]:
    keys = SiteKeys(site_id)
    if not backend.redis.exists(keys.meta):
        raise QueueError("site_not_found", site_id)
    result = backend.run("OPEN_TUBE", [*keys.flow_keys(f"tube-open:{owner}", request_key(request_id)),
                                       TUBE_SITES_KEY], [owner, code, mode, site_id], keys)
    return tube_info(backend, site_id, result[1]), event_of(result)


def close_tube(backend: Backend, site_id: str, owner: str, request_id: str | None = None):
    keys = SiteKeys(site_id)
    result = backend.run("CLOSE_TUBE", keys.flow_keys(f"tube-close:{owner}", request_key(request_id)),
                         [owner], keys)
    return tube_info(backend, site_id, result[1]), event_of(result)


def move_sample(backend: Backend, ticket_id: str, to_code: str, request_id: str | None = None):
    keys = SiteKeys(site_of(ticket_id))
    result = backend.run("MOVE_SAMPLE", keys.flow_keys(f"move:{ticket_id}", request_key(request_id)),
                         [keys.ticket(ticket_id), to_code], keys)
    return get_ticket(backend, ticket_id), event_of(result)


def void_sample(backend: Backend, ticket_id: str, reason: str, who: str, request_id: str | None = None):
    keys = SiteKeys(site_of(ticket_id))
    result = backend.run("VOID_SAMPLE", keys.flow_keys(f"void:{ticket_id}", request_key(request_id)),
                         [keys.ticket(ticket_id), reason, who], keys)
    coverage.after_site_script(backend, result)  # a voided sample no longer counts
    return get_ticket(backend, ticket_id), event_of(result)


def set_medic(backend: Backend, site_id: str, owner: str, name: str) -> None:
    """The medic now sampling at a station or home team; recorded with each sample."""
    backend.redis.hset(SiteKeys(site_id).medics, owner, name)


def owner_view(backend: Backend, site_id: str, owner: str) -> dict:
    """What a console shows of its tubes: the open one (with its people, masked) and the medic."""
    keys = SiteKeys(site_id)
    code = backend.redis.hget(keys.open_tubes, owner)
    tube = tube_info(backend, site_id, code) if code else None
    if tube is not None:
        tube["people"] = tube_people(backend, site_id, code, masked=True)
    return {"tube": tube, "medic": backend.redis.hget(keys.medics, owner) or "",
            "open_tubes": sorted(backend.redis.hvals(keys.open_tubes))}


def tube_people(backend: Backend, site_id: str, code: str, masked: bool) -> list[dict]:
    """Everyone bound to a tube, by position; voided samples stay listed (their swab is in it)."""
    keys = SiteKeys(site_id)
    members = backend.redis.zrange(keys.tube_members(code), 0, -1, withscores=True)
    pipe = backend.redis.pipeline(transaction=False)
    for tid, _ in members:
        pipe.hgetall(keys.ticket(tid))
    rows = []
    for (tid, pos), raw in zip(members, pipe.execute(), strict=True):
        id_number, phone = raw.get("id_number", ""), raw.get("phone", "")
        rows.append({
            "ticket_id": tid, "position": int(pos), "number": raw.get("number"), "name": raw.get("name", ""),
            "doc_type": raw.get("doc_type", "id"),
            "id_number": mask_id_number(id_number) if masked else id_number,
            "phone": mask_phone(phone) if masked else phone,
            "station": raw.get("sampled_by"), "medic": raw.get("medic", ""),
            "sampled_ms": optional_int(raw.get("sampled_ms")), "voided": bool(raw.get("voided_ms")),
            "void_reason": raw.get("void_reason"),
        })
    return rows


def is_tube_code(backend: Backend, site_id: str, code: str) -> bool:
    """Does ``code`` (already through ``validation.plain_tube_code``: ASCII, upper case) fit
    the site's pattern? Letters match in either case, since codes are stored upper-case."""
    return bool(code) and bool(re.fullmatch(workflow_settings(backend, site_id)["tube_pattern"], code,
                                            re.IGNORECASE))
