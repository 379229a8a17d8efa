"""Sweep teams (扫楼队): the doors still to knock at, knocks, exemptions and pledges.

A team works one building at a time and sees the households where someone is still untested,
names and phones masked, no ID number at all. A knock ``home_sample`` puts the household's
untested people on a member site's home-sampling list (the existing home visits), so their
home visit counts like any sample.
"""

import json

from natqueue.community import callup, coverage
from natqueue.community.keys import CommunityKeys
from natqueue.sampling import home
from natqueue.store.backend import Backend, QueueError, request_key
from natqueue.validation import mask_name, mask_phone

OUTCOMES = ("no_answer", "refused", "away", "will_come", "home_sample")
EXEMPT_REASONS = ("away", "hospital", "tested_elsewhere", "moved", "deceased", "other")


def _unit_change(n, unit_json) -> list[dict]:
    compound, building, unit = json.loads(unit_json)
    return [{"round": int(n), "compound": compound, "building": building, "unit": unit}]


def buildings(backend: Backend, community_id: str) -> list[dict]:
    """Every building with what is left in it: what a team picks its next building from."""
    found = coverage.coverage(backend, community_id)
    return [{"compound": c["name"], "building": b["name"], **{k: b["totals"][k] for k in
                                                              ("people", "untested", "home", "households")}}
            for c in found["compounds"] for b in c["buildings"]]


def _people_status(backend: Backend, keys: CommunityKeys, n: int, people: list[dict]) -> tuple[list, list]:
    """(status of each person, their exemption JSON or None), from the round's hashes."""
    pipe = backend.redis.pipeline(transaction=False)
    pipe.hmget(keys.round(n, "tested"), [p["pkey"] for p in people])
    pipe.hmget(keys.round(n, "home"), [p["pkey"] for p in people])
    pipe.hmget(keys.round(n, "exempt"), [p["pid"] for p in people])
    tested, at_home, exempt = pipe.execute()
    statuses = ["tested" if int(t or 0) > 0 else "exempt" if e else "home" if int(h or 0) > 0 else "untested"
                for t, h, e in zip(tested, at_home, exempt, strict=True)]
    return statuses, exempt


def households(backend: Backend, community_id: str, compound: str = "", building: str = "",
               include_done: bool = False, masked: bool = True, wanted_round=None) -> dict:
    """The households of a building (or compound, or all) with their people's status and the
    round's knocks. Only those with someone untested unless ``include_done``."""
    _meta, n = coverage.settled_round(backend, community_id, wanted_round)
    keys = CommunityKeys(community_id)
    units = [u for u, (c, b, _unit) in coverage.unit_names(backend, community_id).items()
             if (not compound or c == compound) and (not building or b == building)]
    pipe = backend.redis.pipeline(transaction=False)
    for u in units:
        pipe.smembers(keys.unit_households(u))
    hids = [hid for found in pipe.execute() for hid in found]
    pipe = backend.redis.pipeline(transaction=False)
    for hid in hids:
        pipe.hgetall(keys.household(hid))
        pipe.smembers(keys.members(hid))
        pipe.lrange(keys.visits(n, hid), 0, -1)
    raw = pipe.execute()
    pipe = backend.redis.pipeline(transaction=False)
    members = [sorted(raw[i * 3 + 1], key=lambda pid: int(pid[1:])) for i in range(len(hids))]
    for pids in members:
        for pid in pids:
            pipe.hgetall(keys.person(pid))
    people = pipe.execute()
    statuses, exemptions = _people_status(backend, keys, n, people) if people else ([], [])
    found, at = [], 0
    for i, hid in enumerate(hids):
        h, visits = raw[i * 3], raw[i * 3 + 2]
        rows, flags = [], []
        for p in people[at:at + len(members[i])]:
            status, exemption = statuses[at], exemptions[at]
            at += 1
            person_flags = [f for f in p.get("flags", "").split(";") if f]
            flags += [f for f in person_flags if f not in flags]
            row = {"id": p["pid"], "name": mask_name(p["name"]) if masked else p["name"],
                   "phone": mask_phone(p.get("phone", "")) if masked else p.get("phone", ""),
                   "status": status, "flags": person_flags}
            if exemption:
                row["exemption"] = {k: v for k, v in json.loads(exemption).items() if k in ("reason", "note")}
            if not masked:
                row.update(doc_type=p["doc_type"], id_number=p["id_number"])
            rows.append(row)
        if not include_done and not any(r["status"] == "untested" for r in rows):
            continue
        found.append({"id": hid, "compound": h["compound"], "building": h["building"], "unit": h.get("unit", ""),
                      "room": h["room"], "flags": flags, "pledged": bool(h.get("pledged_ms")), "people": rows,
                      "visits": [json.loads(v) for v in visits]})
    found.sort(key=lambda h: (coverage.natural(h["compound"]), coverage.natural(h["building"]),
                              coverage.natural(h["unit"]), coverage.natural(h["room"])))
    return {"community": community_id, "round": n, "households": found}


def address(h: dict) -> str:
    return " ".join(x for x in (h["compound"], h["building"], h.get("unit", ""), h["room"]) if x)


def record_visit(backend: Backend, community_id: str, hid: str, outcome: str, note: str, team: str,
                 request_id: str | None = None, site_id: str | None = None) -> dict:
    """A knock. ``home_sample`` also puts the household's untested people on a home-sampling
    list: ``site_id``'s, else the site the building is called to, else the community's first site.
    Returns the visit with the people added (``home``) and their site events (``events``)."""
    meta = coverage.community_meta(backend, community_id)
    keys = CommunityKeys(community_id)
    rid = request_key(request_id)
    visit = {"outcome": outcome, "note": note, "ts": backend.now_ms(), "team": team}
    result = backend.run("SWEEP_VISIT", [keys.meta, keys.idem("visit", rid)],
                           [hid, json.dumps(visit, ensure_ascii=False)], keys)
    if result[0] == "ok":
        coverage.notify(backend, community_id, _unit_change(result[2], result[3]))
    answer = {"household": hid, **visit, "home": [], "events": []}
    if outcome == "home_sample":
        answer.update(_to_home_list(backend, community_id, meta, hid, note, rid, site_id))
    return answer


def _to_home_list(backend, community_id, meta, hid, note, rid, site_id) -> dict:
    keys = CommunityKeys(community_id)
    sites = coverage.member_sites(meta)
    if site_id is not None and site_id not in sites:
        raise QueueError("site_not_in_community", site_id)
    h = backend.redis.hgetall(keys.household(hid))
    site_id = site_id or callup.site_for_building(backend, community_id, h["compound"], h["building"]) or \
        (sites[0] if sites else None)
    if site_id is None:
        raise QueueError("no_sites", community_id)
    found = households(backend, community_id, h["compound"], h["building"], include_done=True, masked=False)
    here = next((x for x in found["households"] if x["id"] == hid), None)
    added, events = [], []
    for person in (here or {}).get("people", []):
        if person["status"] != "untested":
            continue
        reason = note or ";".join(person["flags"]) or "sweep"
        try:
            ticket, event = home.home_add(backend, site_id, person["name"], person["phone"], person["doc_type"],
                                          person["id_number"], address(here), reason[:100],
                                          request_id=f"{rid}:{person['id']}")
        except QueueError as exc:
            if exc.code != "already_queued":  # queued at that site already: they will be sampled there
                raise
            continue
        added.append({"person": person["id"], "site": site_id, "number": ticket["number"]})
        if event is not None:
            events.append((site_id, event))
    return {"home": added, "events": events}


def exempt(backend: Backend, community_id: str, pid: str, reason: str, note: str, by: str,
           request_id: str | None = None) -> dict:
    """Exempt a roster person from the current round (``reason`` ''), or lift it."""
    keys = CommunityKeys(community_id)
    coverage.community_meta(backend, community_id)
    record = "" if not reason else json.dumps({"reason": reason, "note": note, "by": by, "ts": backend.now_ms()},
                                              ensure_ascii=False)
    result = backend.run("SWEEP_EXEMPT", [keys.meta, keys.idem(f"exempt:{pid}", request_key(request_id))],
                           [pid, record], keys)
    if result[0] == "ok":
        coverage.notify(backend, community_id, _unit_change(backend.redis.hget(keys.meta, "round"), result[3]))
        return {"person": pid, "status": coverage.STATUS_NAMES[result[2]], "reason": reason or None}
    return {"person": pid, "reason": reason or None}


def pledge(backend: Backend, community_id: str, hid: str, signed: bool, by: str,
           request_id: str | None = None) -> dict:
    keys = CommunityKeys(community_id)
    coverage.community_meta(backend, community_id)
    result = backend.run("SWEEP_PLEDGE", [keys.meta, keys.idem(f"pledge:{hid}", request_key(request_id))],
                           [hid, "1" if signed else "", by], keys)
    if result[0] == "ok":
        coverage.notify(backend, community_id, _unit_change(backend.redis.hget(keys.meta, "round"), result[2]))
    return {"household": hid, "pledged": signed}
