"""Call-up by building: "1–3栋 8:00–8:30" at a site, instead of everyone at 7:00.

The organizer schedules buildings into time slots at member sites. A site's resident page and
calling screen show which buildings are called now; a printed notice per building carries its
slot and the site's QR code. ``arrival_forecast`` turns the slots and the roster into expected
arrivals per hour, for whoever plans stations or estimates waits.
"""

import json
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from natqueue.community import coverage
from natqueue.community.keys import CommunityKeys
from natqueue.keys import SiteKeys
from natqueue.sites.settings import DEFAULT_TIMEZONE
from natqueue.store.backend import Backend, request_key
from natqueue.validation import Invalid

TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$", re.ASCII)
MAX_SLOTS = 200


def _minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def clean_slots(backend: Backend, community_id: str, slots) -> list[dict]:
    """The slots as stored, or ``Invalid`` naming each bad field (``slots.<i>.<field>``)."""
    meta = coverage.community_meta(backend, community_id)
    sites = coverage.member_sites(meta)
    known = {(c, b) for c, b, _u in coverage.unit_names(backend, community_id).values()}
    if not isinstance(slots, list) or len(slots) > MAX_SLOTS:
        raise Invalid({"slots": f"list_of_up_to_{MAX_SLOTS}"})
    bad, found = {}, []
    for i, slot in enumerate(slots):
        at = f"slots.{i}."
        if not isinstance(slot, dict):
            bad[at[:-1]] = "json_object_required"
            continue
        if slot.get("site") not in sites:
            bad[at + "site"] = "not_in_community"
        for end in ("from", "to"):
            if not isinstance(slot.get(end), str) or not TIME.match(slot[end]):
                bad[at + end] = "hh_mm"
        if at + "from" not in bad and at + "to" not in bad and _minutes(slot["from"]) >= _minutes(slot["to"]):
            bad[at + "to"] = "after_from"
        wanted = slot.get("buildings")
        if not isinstance(wanted, list) or not wanted:
            bad[at + "buildings"] = "required"
            continue
        clean = []
        for j, b in enumerate(wanted):
            pair = (b.get("compound"), b.get("building")) if isinstance(b, dict) else None
            if pair not in known:
                bad[f"{at}buildings.{j}"] = "not_on_roster"
            elif {"compound": pair[0], "building": pair[1]} not in clean:
                clean.append({"compound": pair[0], "building": pair[1]})
        found.append({"site": slot.get("site"), "from": slot.get("from"), "to": slot.get("to"), "buildings": clean})
    if bad:
        raise Invalid(bad)
    return sorted(found, key=lambda s: (s["from"], s["site"]))


def set_callup(backend: Backend, community_id: str, slots, request_id: str | None = None) -> list[dict]:
    clean = clean_slots(backend, community_id, slots)
    keys = CommunityKeys(community_id)
    backend.run("CALLUP_PUT", [keys.meta, keys.idem("callup", request_key(request_id))],
                  [json.dumps(clean, ensure_ascii=False)], keys)
    return get_callup(backend, community_id)


def get_callup(backend: Backend, community_id: str) -> list[dict]:
    return json.loads(backend.redis.get(CommunityKeys(community_id).callup) or "[]")


def site_for_building(backend: Backend, community_id: str, compound: str, building: str) -> str | None:
    """The site a building is called to (its first slot), if any."""
    for slot in get_callup(backend, community_id):
        if {"compound": compound, "building": building} in slot["buildings"]:
            return slot["site"]
    return None


def label(slot: dict) -> str:
    """``金域华府 1栋、2栋 · 明珠华府 5栋``: the buildings of a slot, grouped by compound."""
    grouped: dict[str, list[str]] = {}
    for b in slot["buildings"]:
        grouped.setdefault(b["compound"], []).append(b["building"])
    return " · ".join(f"{c} {'、'.join(sorted(bs, key=coverage.natural))}" for c, bs in grouped.items())


def site_callup(backend: Backend, site_id: str) -> dict:
    """What a site's residents and calling screen see: the slots at this site, the ones running
    now and the next. Building names and times only."""
    community_id = coverage.community_of_site(backend, site_id)
    slots = [s for s in get_callup(backend, community_id) if s["site"] == site_id] if community_id else []
    tz = backend.redis.hget(SiteKeys(site_id).meta, "timezone") or DEFAULT_TIMEZONE
    now = datetime.fromtimestamp(backend.now_ms() / 1000, UTC).astimezone(ZoneInfo(tz))
    minute = now.hour * 60 + now.minute
    shown = [{**s, "label": label(s)} for s in slots]
    current = [s for s in shown if _minutes(s["from"]) <= minute < _minutes(s["to"])]
    later = [s for s in shown if _minutes(s["from"]) > minute]
    return {"site_id": site_id, "community": community_id, "time": now.strftime("%H:%M"),
            "now": current, "next": later[:1], "slots": shown}


def arrival_forecast(backend: Backend, site_id: str) -> list[dict]:
    """Expected arrivals at a site: per slot, the people of its buildings not yet tested or
    exempt, spread over the slot. ``[{from, to, per_hour, people}]`` in time order."""
    community_id = coverage.community_of_site(backend, site_id)
    if not community_id:
        return []
    slots = [s for s in get_callup(backend, community_id) if s["site"] == site_id]
    if not slots:
        return []
    left = {(c["name"], b["name"]): b["totals"]["untested"]
            for c in coverage.coverage(backend, community_id)["compounds"] for b in c["buildings"]}
    forecast = []
    for s in slots:
        people = sum(left.get((b["compound"], b["building"]), 0) for b in s["buildings"])
        hours = (_minutes(s["to"]) - _minutes(s["from"])) / 60
        forecast.append({"from": s["from"], "to": s["to"], "people": people, "per_hour": round(people / hours, 1)})
    return forecast
