"""Live coverage: who in a community's roster is tested, exempt, at home or untested, per unit.

A site's scripts know nothing of the community's keys (another hash slot). When a person's
sampling status changes at a member site (sampled at a station or at home, a sample voided,
on or off the home list), the site's own script leaves a note in the site's slot and hands it
back (``scripts/includes/coverage.lua``). Then ``coverage_apply.lua`` moves the community's
counts in one atomic step, and the note is removed. The note is the record: if the process
dies before it is applied, ``reconcile`` (run before every coverage read) applies it later;
applying a note twice, or late, changes nothing (see coverage_apply.lua). Each sample costs one script in the
community's slot; a read costs one pass over the units, whatever the number of people.
"""

import json
import logging
import re

import redis

from natqueue.community.keys import SITE_COMMUNITY_KEY, CommunityKeys, site_pending
from natqueue.keys import SiteKeys
from natqueue.store.backend import Backend, QueueError

log = logging.getLogger(__name__)

#: Notes read per site per reconcile pass.
RECONCILE_BATCH = 500
#: Backend hook called as ``hook(community_id, changes)`` after counts moved;
#: ``changes`` is a list of ``{"round", "compound", "building", "unit"}`` (unit None: unlisted).
HOOK = "coverage"
STATUS_NAMES = {"t": "tested", "e": "exempt", "h": "home", "u": "untested"}


def natural(text: str) -> list:
    """Sort key that puts 2栋 before 10栋."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text or "")]


def community_meta(backend: Backend, community_id: str) -> dict:
    meta = backend.redis.hgetall(CommunityKeys(community_id).meta)
    if not meta:
        raise QueueError("community_not_found", community_id)
    return meta


def member_sites(meta: dict) -> list[str]:
    return json.loads(meta.get("sites") or "[]")


def community_of_site(backend: Backend, site_id: str) -> str | None:
    return backend.redis.hget(SITE_COMMUNITY_KEY, site_id)


# --- applying notes ------------------------------------------------------------------------


def after_site_script(backend: Backend, result) -> None:
    """Called by the domain after each site script that may change a person's status: applies
    the note the script left, if any. A failure here leaves the note pending (the site's change
    stands, and the next reconcile counts it)."""
    if not isinstance(result, list) or len(result) < 5 or result[0] != "ok" or not result[4]:
        return
    note = result[4]
    try:
        apply_notes(backend, note.split("|", 1)[0], [note])
    except (redis.RedisError, QueueError):
        log.warning("coverage note left pending: %s", note.split("|", 3)[:3], exc_info=True)


def apply_notes(backend: Backend, community_id: str, notes: list[str]) -> list[dict]:
    """Apply notes to a community's counts, then remove those done with from their sites."""
    if not notes:
        return []
    keys = CommunityKeys(community_id)
    done, changed = backend.run("COVERAGE_APPLY", [keys.meta], [json.dumps(notes)], keys)
    by_site: dict[str, list[str]] = {}
    for note in done:
        by_site.setdefault(note.split("|", 3)[2], []).append(note)
    if len(by_site) == 1:  # a sample's own note: one command, without a pipeline's bookkeeping
        site_id, site_notes = by_site.popitem()
        backend.redis.zrem(site_pending(site_id), *site_notes)
    elif by_site:
        pipe = backend.redis.pipeline(transaction=False)
        for site_id, site_notes in by_site.items():
            pipe.zrem(site_pending(site_id), *site_notes)
        pipe.execute()
    changes = []
    for n, unit in changed:
        compound, building, unit_name = json.loads(unit) if unit else (None, None, None)
        changes.append({"round": int(n), "compound": compound, "building": building, "unit": unit_name})
    if changes:
        notify(backend, community_id, changes)
    return changes


def notify(backend: Backend, community_id: str, changes: list[dict]) -> None:
    hook = backend.hooks.get(HOOK)
    if hook is not None:
        hook(community_id, changes)


def reconcile(backend: Backend, community_id: str, sites: list[str]) -> int:
    """Apply every note still pending at the community's sites (a process died between a
    site's change and its count). Returns how many notes were read."""
    pipe = backend.redis.pipeline(transaction=False)
    for site_id in sites:
        pipe.zrange(site_pending(site_id), 0, RECONCILE_BATCH - 1)
    found = [note for notes in pipe.execute() for note in notes]
    by_community: dict[str, list[str]] = {}
    for note in found:  # a site that moved to another community may hold the old one's notes
        by_community.setdefault(note.split("|", 1)[0], []).append(note)
    for cid, notes in by_community.items():
        apply_notes(backend, cid, notes)
    return len(found)


def _ticket_note(community_id: str, site_id: str, op: str, round_id: str, tid: str, ms, pkey) -> str:
    return "|".join([community_id, op, site_id, str(round_id), tid, str(int(ms or 0)), pkey])


def derive_from_site(backend: Backend, community_id: str, site_id: str, round_id: str,
                     samples: bool = True) -> int:
    """Notes made from what a site holds for its round ``round_id``: its samples (voided or not)
    and its home list now. For a site that joins with people already sampled this round, and
    for the home list carried into a new round. Idempotent like every note."""
    keys = SiteKeys(site_id)
    tids = backend.redis.zrange(keys.round(round_id, "samples"), 0, -1) if samples else []
    home = backend.redis.zrange(keys.home, 0, -1)
    fields = ("person", "id_number", "sampled_by", "sampled_ms", "voided_ms", "created_ms")
    pipe = backend.redis.pipeline(transaction=False)
    for tid in [*tids, *home]:
        pipe.hmget(keys.ticket(tid), *fields)
    rows = pipe.execute()
    notes = []
    for tid, (person, number, by, sampled_ms, voided_ms, _created) in zip(tids, rows[:len(tids)], strict=True):
        pkey = person or number
        if not pkey:
            continue  # purged
        notes.append(_ticket_note(community_id, site_id, "H" if (by or "").startswith("h") else "s",
                                  round_id, tid, sampled_ms, pkey))
        if voided_ms:
            notes.append(_ticket_note(community_id, site_id, "v", round_id, tid, voided_ms, pkey))
    for tid, (person, number, *_rest, created_ms) in zip(home, rows[len(tids):], strict=True):
        if person or number:
            notes.append(_ticket_note(community_id, site_id, "h", round_id, tid, created_ms, person or number))
    for start in range(0, len(notes), RECONCILE_BATCH):
        apply_notes(backend, community_id, notes[start:start + RECONCILE_BATCH])
    return len(notes)


# --- reading -------------------------------------------------------------------------------


def totals(n=0, t=0, e=0, h=0, unlisted=0, households=0, pledged=0) -> dict:
    return {"people": n, "tested": t, "exempt": e, "home": h, "untested": max(n - t - e - h, 0),
            "unlisted": unlisted, "households": households, "pledged": pledged}


def _add(into: dict, more: dict) -> None:
    for k, v in more.items():
        into[k] += v


def round_number(meta: dict, wanted) -> int:
    """The round asked for (``?round=N``), or the current one."""
    current = int(meta.get("round") or 1)
    if wanted in (None, ""):
        return current
    try:
        n = int(wanted)
    except (TypeError, ValueError):
        raise QueueError("round_not_found", str(wanted)) from None
    if not 1 <= n <= current:
        raise QueueError("round_not_found", str(wanted))
    return n


def unit_names(backend: Backend, community_id: str) -> dict[str, tuple[str, str, str]]:
    return {u: tuple(json.loads(v)) for u, v in backend.redis.hgetall(CommunityKeys(community_id).units).items()}


def settled_round(backend: Backend, community_id: str, wanted_round=None) -> tuple[dict, int]:
    """The community's meta and the round asked for (``round_number``), once every note still
    pending at its sites is applied: counts read after this leave nobody out."""
    meta = community_meta(backend, community_id)
    reconcile(backend, community_id, member_sites(meta))
    return meta, round_number(meta, wanted_round)


def coverage(backend: Backend, community_id: str, wanted_round=None) -> dict:
    """Counts per community, compound, building and unit for a round. Cost: one pass over the
    units (a few hundred for 2,219 households), whatever the number of people."""
    meta, n = settled_round(backend, community_id, wanted_round)
    keys = CommunityKeys(community_id)
    pipe = backend.redis.pipeline(transaction=False)
    pipe.hgetall(keys.units)
    pipe.hgetall(keys.counts)
    pipe.hgetall(keys.round(n, "counts"))
    pipe.hget(keys.rounds, n)
    units, persistent, counts, record = pipe.execute()
    tree: dict[str, dict[str, list]] = {}
    for u, raw in units.items():
        compound, building, unit = json.loads(raw)
        figures = totals(*(int(counts.get(f"{u}:{s}", 0)) for s in "nteh"),
                         households=int(persistent.get(f"{u}:hh", 0)), pledged=int(persistent.get(f"{u}:pl", 0)))
        tree.setdefault(compound, {}).setdefault(building, []).append({"name": unit, "totals": figures})
    all_totals = totals(unlisted=int(counts.get("unlisted", 0)))
    compounds = []
    for compound in sorted(tree, key=natural):
        c_totals = totals()
        buildings = []
        for building in sorted(tree[compound], key=natural):
            b_totals = totals()
            unit_rows = sorted(tree[compound][building], key=lambda row: natural(row["name"]))
            for row in unit_rows:
                _add(b_totals, row["totals"])
            _add(c_totals, b_totals)
            buildings.append({"name": building, "totals": b_totals, "units": unit_rows})
        _add(all_totals, c_totals)
        compounds.append({"name": compound, "totals": c_totals, "buildings": buildings})
    record = json.loads(record) if record else {}
    return {"community": community_id, "name": meta.get("name", ""), "round": n,
            "current_round": int(meta.get("round") or 1), "round_name": record.get("name", ""),
            "started_ms": record.get("started_ms"), "closed_ms": record.get("closed_ms"),
            "totals": all_totals, "compounds": compounds}


def timeline(backend: Backend, community_id: str, n: int) -> list[dict]:
    """The round's running count of people tested and exempt, one point per minute with a change."""
    raw = backend.redis.hgetall(CommunityKeys(community_id).round(n, "timeline"))
    minutes: dict[int, dict] = {}
    for field, value in raw.items():
        kind, _, minute = field.partition(":")
        minutes.setdefault(int(minute), {"t": 0, "e": 0})[kind] += int(value)
    points, tested, exempt = [], 0, 0
    for minute in sorted(minutes):
        tested += minutes[minute]["t"]
        exempt += minutes[minute]["e"]
        points.append({"ms": minute * 60000, "tested": tested, "exempt": exempt})
    return points
