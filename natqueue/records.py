"""Rounds and what the lab and the organizer take from them: figures, traces, exports, purges.

Traces and exports are the only places ID numbers and phones leave unmasked;
each one is written to the site's audit log (who, when, what) before the data
is returned.
"""

import csv
import io
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from natqueue.backend import Backend, QueueError
from natqueue.feed import decode_event
from natqueue.keys import SiteKeys
from natqueue.tickets import request_key
from natqueue.tubes import tube_info, tube_people

EXPORT_FIELDS = ("tube_code", "tube_position", "name", "doc_type", "id_number", "phone", "site", "station",
                 "medic", "sampled_at", "mode", "void_reason")
AUDIT_KEEP = 10000
COUNTS = ("joined", "walk_in", "home", "sampled", "voided", "pooled", "single", "tubes")


def rounds(backend: Backend, site_id: str) -> list[dict]:
    keys = SiteKeys(site_id)
    found = [json.loads(v) for v in backend.redis.hvals(keys.rounds)]
    return sorted(found, key=lambda r: int(r["id"]))


def round_figures(backend: Backend, site_id: str, round_id: str) -> dict:
    """A round's counts: kept after its personal data is purged."""
    keys = SiteKeys(site_id)
    raw = backend.redis.hget(keys.rounds, round_id)
    if raw is None:
        raise QueueError("round_not_found", round_id)
    counts = backend.redis.hgetall(keys.round(round_id, "counts"))
    return {**json.loads(raw), "counts": {name: int(counts.get(name, 0)) for name in COUNTS}}


def new_round(backend: Backend, site_id: str, name: str, request_id: str | None = None):
    keys = SiteKeys(site_id)
    if not backend.redis.exists(keys.meta):
        raise QueueError("site_not_found", site_id)
    result = backend.run("NEW_ROUND", keys.flow_keys("round", request_key(request_id)), [name],
                         keys.station_prefix)
    event = decode_event(result[2], result[3]) if result[0] == "ok" else None
    return round_figures(backend, site_id, result[1]), event


def purge_round(backend: Backend, site_id: str, round_id: str, retention_days: int, who: str) -> dict:
    keys = SiteKeys(site_id)
    backend.run("PURGE_ROUND", keys.flow_keys(f"purge:{round_id}", request_key(None)),
                [round_id, retention_days * 86400 * 1000], keys.station_prefix)
    audit(backend, site_id, who, "purge", round=round_id)
    return round_figures(backend, site_id, round_id)


def audit(backend: Backend, site_id: str, who: str, action: str, **what) -> None:
    """Append to the site's audit log before personal data is handed out."""
    entry = {"ts": backend.now_ms(), "who": who, "action": action, **what}
    pipe = backend.redis.pipeline(transaction=True)
    pipe.lpush(SiteKeys(site_id).audit, json.dumps(entry, ensure_ascii=False))
    pipe.ltrim(SiteKeys(site_id).audit, 0, AUDIT_KEEP - 1)
    pipe.execute()


def audit_log(backend: Backend, site_id: str, limit: int = 200) -> list[dict]:
    return [json.loads(e) for e in backend.redis.lrange(SiteKeys(site_id).audit, 0, limit - 1)]


def _local(ms: int | None, tz: str) -> str:
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M:%S")


def trace(backend: Backend, site_id: str, code: str, who: str) -> dict:
    """A tube's people, unmasked, with station, medic and time: who to isolate and re-test."""
    tube = tube_info(backend, site_id, code)
    if tube is None:
        raise QueueError("tube_not_found", code)
    audit(backend, site_id, who, "trace", tube=code)
    tz = backend.redis.hget(SiteKeys(site_id).meta, "timezone") or "Asia/Shanghai"
    people = tube_people(backend, site_id, code, masked=False)
    for row in people:
        row["sampled_at"] = _local(row["sampled_ms"], tz)
    return {"tube": tube, "people": people}


def export_rows(backend: Backend, site_id: str, round_id: str, who: str, fmt: str) -> list[list]:
    """Every sample of a round in sampling order (then tube and position), as the lab takes them,
    header row first."""
    keys = SiteKeys(site_id)
    meta = backend.redis.hgetall(keys.meta)
    if not meta:
        raise QueueError("site_not_found", site_id)
    if not backend.redis.hexists(keys.rounds, round_id):
        raise QueueError("round_not_found", round_id)
    audit(backend, site_id, who, "export", round=round_id, format=fmt)
    tz = meta.get("timezone", "Asia/Shanghai")
    ids = backend.redis.zrange(keys.round(round_id, "samples"), 0, -1)
    pipe = backend.redis.pipeline(transaction=False)
    for tid in ids:
        pipe.hgetall(keys.ticket(tid))
    found = sorted(pipe.execute(), key=lambda r: (int(r["sampled_ms"]), r.get("tube", ""), int(r.get("tube_pos") or 0)))
    rows = [list(EXPORT_FIELDS)]
    for raw in found:
        station = raw.get("sampled_by", "")
        rows.append([
            raw.get("tube", ""), int(raw["tube_pos"]) if raw.get("tube_pos") else "", raw.get("name", ""),
            raw.get("doc_type", "id"), raw.get("id_number", ""), raw.get("phone", ""), meta.get("name", ""),
            station, raw.get("medic", ""), _local(int(raw["sampled_ms"]), tz),
            raw.get("sample_mode", ""),  # empty: sampled with no tube open (a site not requiring tubes)
            raw.get("void_reason", ""),
        ])
    return rows


def _inert(value):
    """A name typed by a resident must not run as a formula in the lab's spreadsheet."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(rows: list[list]) -> bytes:
    """UTF-8 with a BOM, so a spreadsheet on a site laptop opens the Chinese names right."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([[_inert(v) for v in row] for row in rows])
    return ("\ufeff" + buf.getvalue()).encode()


def to_xlsx(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "samples"
    for row in rows:
        # Document numbers and tube codes are text: a spreadsheet must not round 18 digits.
        sheet.append([_inert(str(v)) if i != 1 or v == "" else v for i, v in enumerate(row)])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
