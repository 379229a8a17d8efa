"""Closing a round: only at 100% (tested, or exempt with a reason), or forced with a reason.

The closing report lists totals per compound, the exemptions and their reasons, the home
samples, and the households never reached with their knocks. Names and phones are masked in
it, except in the XLSX, which only organizers get and which is written to the community's
audit log first, like the sites' exports.
"""

import io
import json

from natqueue.community import coverage, sweep
from natqueue.community.keys import CommunityKeys
from natqueue.sampling.records import _inert
from natqueue.store.backend import Backend, QueueError, request_key
from natqueue.validation import mask_name, mask_phone

AUDIT_KEEP = 10000


def audit(backend: Backend, community_id: str, who: str, action: str, **what) -> None:
    """Append to the community's audit log before personal data is handed out."""
    key = CommunityKeys(community_id).audit
    entry = {"ts": backend.now_ms(), "who": who, "action": action, **what}
    pipe = backend.redis.pipeline(transaction=True)
    pipe.lpush(key, json.dumps(entry, ensure_ascii=False))
    pipe.ltrim(key, 0, AUDIT_KEEP - 1)
    pipe.execute()


def audit_log(backend: Backend, community_id: str, limit: int = 200) -> list[dict]:
    return [json.loads(e) for e in backend.redis.lrange(CommunityKeys(community_id).audit, 0, limit - 1)]


def _per_building(left: list[dict]) -> list[dict]:
    found: dict[tuple[str, str], dict] = {}
    for row in left:
        compound, building, _unit = row["unit"]
        b = found.setdefault((compound, building), {"compound": compound, "building": building,
                                                    "untested": 0, "home": 0})
        b["untested"] += row["untested"]
        b["home"] += row["home"]
    return sorted(found.values(), key=lambda b: (coverage.natural(b["compound"]), coverage.natural(b["building"])))


def close_round(backend: Backend, community_id: str, wanted_round, force: bool, reason: str, by: str,
                request_id: str | None = None) -> dict:
    """The closed round's record; ``not_accounted`` (with ``buildings``, ``untested`` and ``home``)
    while someone on the roster is neither tested nor exempt, unless ``force``."""
    _meta, n = coverage.settled_round(backend, community_id, wanted_round)
    keys = CommunityKeys(community_id)
    why = json.dumps({"reason": reason, "by": by}, ensure_ascii=False)
    try:
        result = backend.run("COMMUNITY_CLOSE", [keys.meta, keys.idem(f"close:{n}", request_key(request_id))],
                             [n, "1" if force else "", why], keys)
    except QueueError as exc:
        if exc.code != "not_accounted":
            raise
        left = json.loads(exc.detail or "[]") or []
        buildings = _per_building(left)
        raise QueueError("not_accounted", str(n), buildings=buildings,
                         untested=sum(b["untested"] for b in buildings),
                         home=sum(b["home"] for b in buildings)) from None
    coverage.notify(backend, community_id, [{"round": n, "compound": None, "building": None, "unit": None,
                                             "closed": True}])
    return json.loads(backend.redis.hget(keys.rounds, result[1]))


def report(backend: Backend, community_id: str, wanted_round, masked: bool = True) -> dict:
    """Everything the closing report shows, for a round closed or not (a draft)."""
    figures = coverage.coverage(backend, community_id, wanted_round)
    n = figures["round"]
    keys = CommunityKeys(community_id)
    pipe = backend.redis.pipeline(transaction=False)
    pipe.hget(keys.rounds, n)
    pipe.hgetall(keys.round(n, "exempt"))
    pipe.hgetall(keys.round(n, "samples"))
    record, exemptions, samples = pipe.execute()
    home_samples = [(tid, *value.split("|")) for tid, value in samples.items() if value.split("|")[2] == "H"]
    pids = backend.redis.hmget(keys.person_keys, [s[1] for s in home_samples]) if home_samples else []
    wanted = list(exemptions) + [p for p in pids if p]
    pipe = backend.redis.pipeline(transaction=False)
    for pid in wanted:
        pipe.hgetall(keys.person(pid))
    people = {pid: p for pid, p in zip(wanted, pipe.execute(), strict=True)}
    pipe = backend.redis.pipeline(transaction=False)
    for p in people.values():
        pipe.hgetall(keys.household(p["hid"]))
    homes = {p["pid"]: h for p, h in zip(people.values(), pipe.execute(), strict=True)}

    def who(pid: str) -> dict:
        p, h = people[pid], homes[pid]
        row = {"id": pid, "name": mask_name(p["name"]) if masked else p["name"],
               "phone": mask_phone(p.get("phone", "")) if masked else p.get("phone", ""),
               "address": sweep.address(h), "compound": h["compound"], "building": h["building"]}
        if not masked:
            row.update(doc_type=p["doc_type"], id_number=p["id_number"])
        return row

    exempt_rows = [{**who(pid), **{k: v for k, v in json.loads(raw).items() if k in ("reason", "note", "by", "ts")}}
                   for pid, raw in exemptions.items()]
    home_rows = [{**who(pid), "site": site, "ts": int(ts)}
                 for (_tid, _pkey, site, _kind, ts), pid in zip(home_samples, pids, strict=True) if pid]
    for rows in (exempt_rows, home_rows):
        rows.sort(key=lambda r: coverage.natural(r["address"]))
    left = [h for h in sweep.households(backend, community_id, include_done=True, masked=masked,
                                        wanted_round=n)["households"]
            if any(p["status"] in ("untested", "home") for p in h["people"])]
    return {"community": community_id, "name": figures["name"], "round": n, "record": json.loads(record or "{}"),
            "totals": figures["totals"],
            "compounds": [{"name": c["name"], "totals": c["totals"]} for c in figures["compounds"]],
            "exemptions": exempt_rows, "home_samples": home_rows, "not_reached": left}


def report_xlsx(backend: Backend, community_id: str, wanted_round, who: str) -> bytes:
    """The report unmasked, as a workbook; audited before it is built."""
    meta = coverage.community_meta(backend, community_id)
    n = coverage.round_number(meta, wanted_round)
    audit(backend, community_id, who, "report_export", round=n, format="xlsx")
    data = report(backend, community_id, n, masked=False)
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "totals"
    columns = ("people", "tested", "exempt", "home", "untested", "unlisted", "households", "pledged")
    sheet.append(["compound", *columns])
    for c in data["compounds"]:
        sheet.append([_inert(c["name"]), *(c["totals"][k] for k in columns)])
    sheet.append(["", *(data["totals"][k] for k in columns)])
    person = ("address", "name", "doc_type", "id_number", "phone")
    sheets = {
        "exemptions": ([*person, "reason", "note", "by"], data["exemptions"]),
        "home samples": ([*person, "site"], data["home_samples"]),
    }
    for title, (header, rows) in sheets.items():
        ws = book.create_sheet(title)
        ws.append(list(header))
        for row in rows:
            ws.append([_inert(str(row.get(k, ""))) for k in header])
    ws = book.create_sheet("not reached")
    ws.append([*person, "status", "flags", "visits"])
    for h in data["not_reached"]:
        knocks = "; ".join(f"{v['outcome']} {v.get('note', '')}".strip() for v in h["visits"])
        for p in h["people"]:
            if p["status"] in ("untested", "home"):
                ws.append([_inert(str(v)) for v in (sweep.address(h), p["name"], p["doc_type"], p["id_number"],
                                                    p["phone"], p["status"], ";".join(p["flags"]), knocks)])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
