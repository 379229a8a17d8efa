"""What the lab and the organizer take from a round: traces, exports, and the audit log.

Traces and exports are the only places ID numbers and phones leave unmasked; each one is
written to the site's audit log (who, when, what) before the data is returned.
"""

import csv
import io
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from natqueue.keys import SiteKeys
from natqueue.sampling.tubes import tube_info, tube_people
from natqueue.sites.settings import DEFAULT_TIMEZONE
from natqueue.store.backend import Backend, QueueError

EXPORT_FIELDS = ("tube_code", "tube_position", "name", "doc_type", "id_number", "phone", "site", "station",
                 "medic", "sampled_at", "mode", "void_reason")


AUDIT_KEEP = 10000


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
    tz = backend.redis.hget(SiteKeys(site_id).meta, "timezone") or DEFAULT_TIMEZONE
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
    tz = meta.get("timezone", DEFAULT_TIMEZONE)
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
