"""The household roster, as community offices keep it in Excel: CSV (UTF-8, with or without a
BOM) or XLSX, one person a row.

Columns ``compound, building, unit, room, name, doc_type, id_number, phone, flags`` (or their
Chinese headings). Each person is checked as a join checks them (``documents.clean_document``,
``validation.clean_name``/``clean_phone``); a bad row is rejected with its line number (the
header is line 1), the field and a code, and the good rows are imported. The same person twice
in a file: the second is rejected (``duplicate``). Re-importing merges by (doc_type, id_number).

Rows go to Redis in chunks, one script each (roster_import.lua), so an import of a whole community
takes a fraction of a second of Redis and never blocks the sites' scripts for long.
"""

import csv
import io
import json
import zipfile

from natqueue.community import coverage
from natqueue.community.keys import CommunityKeys
from natqueue.store.backend import Backend, QueueError, request_key
from natqueue.tickets.documents import RESIDENT_ID, clean_document, person_key
from natqueue.validation import Invalid, clean_name, clean_phone, collect

COLUMNS = ("compound", "building", "unit", "room", "name", "doc_type", "id_number", "phone", "flags")
REQUIRED = ("compound", "building", "room", "name", "id_number")
#: Headings as a community office writes them.
HEADINGS = {
    "小区": "compound", "楼栋": "building", "楼号": "building", "栋": "building", "单元": "unit",
    "房号": "room", "房间号": "room", "门牌号": "room", "姓名": "name", "证件类型": "doc_type",
    "证件号码": "id_number", "证件号": "id_number", "身份证号": "id_number", "身份证号码": "id_number",
    "手机号": "phone", "手机号码": "phone", "电话": "phone", "联系电话": "phone", "标记": "flags",
    "备注标记": "flags",
}
#: Document types as written in Chinese; an empty cell is a resident ID.
DOC_NAMES = {
    "身份证": RESIDENT_ID, "居民身份证": RESIDENT_ID, "护照": "passport", "港澳通行证": "hk_macau",
    "港澳居民来往内地通行证": "hk_macau", "回乡证": "hk_macau", "台胞证": "taiwan",
    "台湾居民来往大陆通行证": "taiwan", "永久居留证": "foreign_pr", "外国人永久居留身份证": "foreign_pr",
}
FLAGS = ("elderly_alone", "disabled", "bedridden", "infant", "pregnant")
CHUNK = 500
MAX_ROWS = 50_000
_SEP = "\x1f"


def _not_a_roster(detail: str, **fields) -> QueueError:
    return QueueError("not_a_roster", detail, fields=fields)


# --- reading the file ------------------------------------------------------------------------


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))  # a phone typed as a number; an 18-digit ID as a number lost digits
    return str(value).strip()


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _not_a_roster("xlsx", file="unreadable") from exc
    try:
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append([_cell(v) for v in row])
            if len(rows) > MAX_ROWS + 1:
                raise _not_a_roster("rows", file=f"at_most_{MAX_ROWS}_rows")
        return rows
    finally:
        book.close()


def _csv_rows(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _not_a_roster("encoding", file="not_utf8") from None
    if "\x00" in text:
        raise _not_a_roster("binary", file="not_csv")
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error:
        raise _not_a_roster("csv", file="not_csv") from None
    if len(rows) > MAX_ROWS + 1:
        raise _not_a_roster("rows", file=f"at_most_{MAX_ROWS}_rows")
    return [[c.strip() for c in row] for row in rows]


def read_rows(data: bytes) -> list[list[str]]:
    """The file's rows, header first: XLSX when it is a zip file, else CSV."""
    if not data:
        raise _not_a_roster("empty", file="empty")
    return _xlsx_rows(data) if data[:4] == b"PK\x03\x04" else _csv_rows(data)


def header_columns(header: list[str]) -> dict[str, int]:
    """Column name -> position; ``not_a_roster`` naming the columns missing."""
    found = {}
    for i, title in enumerate(header):
        name = (title or "").strip().lower().replace(" ", "_")
        name = HEADINGS.get(title.strip(), name)
        if name in COLUMNS and name not in found:
            found[name] = i
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        raise _not_a_roster("columns", columns="missing_" + "_".join(missing))
    return found


# --- checking each person ----------------------------------------------------------------------


def _flags(value: str) -> str:
    parts = [p.strip() for p in value.replace("；", ";").split(";") if p.strip()]
    if any(p not in FLAGS for p in parts):
        raise Invalid({"flags": "unknown"})
    return ";".join(dict.fromkeys(parts))


def _place(value: str, field: str, required: bool) -> str:
    if not value and not required:
        return ""
    return clean_name(value, field, 40)


def check_row(cells: dict[str, str]) -> dict:
    """One person as the import script takes them, or ``Invalid`` naming every bad field."""
    doc_type = cells.get("doc_type", "")
    doc_type = DOC_NAMES.get(doc_type, doc_type.lower())
    data = collect(
        compound=lambda: _place(cells.get("compound", ""), "compound", True),
        building=lambda: _place(cells.get("building", ""), "building", True),
        unit=lambda: _place(cells.get("unit", ""), "unit", False),
        room=lambda: _place(cells.get("room", ""), "room", True),
        name=lambda: clean_name(cells.get("name", "")),
        doc=lambda: clean_document(doc_type or RESIDENT_ID, cells.get("id_number", "")),
        # A roster lists infants and elderly people without a phone, as home visits and
        # walk-ins do; a number that is there must be one a join would take.
        phone=lambda: clean_phone(cells["phone"]) if cells.get("phone") else "",
        flags=lambda: _flags(cells.get("flags", "")),
    )
    doc_type, number = data["doc"]
    unit_key = _SEP.join((data["compound"], data["building"], data["unit"]))
    return {"k": person_key(doc_type, number), "d": doc_type, "i": number, "n": data["name"],
            "ph": data["phone"], "f": data["flags"], "c": data["compound"], "b": data["building"],
            "un": data["unit"], "r": data["room"], "uk": unit_key, "hk": unit_key + _SEP + data["room"]}


def check_rows(rows: list[list[str]]) -> tuple[list[dict], list[dict]]:
    """(people to import, rejected ``{row, field, code}``); row numbers count the header as 1."""
    columns = header_columns(rows[0])
    people, rejected, seen = [], [], {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue  # a blank line between blocks of a sheet
        cells = {name: (row[i] if i < len(row) else "") for name, i in columns.items()}
        try:
            person = check_row(cells)
        except Invalid as exc:
            rejected += [{"row": line, "field": f, "code": c} for f, c in exc.fields.items()]
            continue
        if person["k"] in seen:
            rejected.append({"row": line, "field": "id_number", "code": "duplicate", "first": seen[person["k"]]})
            continue
        seen[person["k"]] = line
        people.append(person)
    return people, rejected


# --- importing -------------------------------------------------------------------------------


def import_roster(backend: Backend, community_id: str, data: bytes, request_id: str | None = None) -> dict:
    meta = coverage.community_meta(backend, community_id)
    rows = read_rows(data)
    if not rows:
        raise _not_a_roster("empty", file="empty")
    people, rejected = check_rows(rows)
    if not people and not rejected:
        raise _not_a_roster("no_rows", file="no_people")
    coverage.reconcile(backend, community_id, coverage.member_sites(meta))
    keys = CommunityKeys(community_id)
    rid = request_key(request_id)
    added = updated = unchanged = 0
    for i, start in enumerate(range(0, len(people), CHUNK)):
        chunk = people[start:start + CHUNK]
        result = backend.run("ROSTER_IMPORT", [keys.meta, keys.idem(f"import:{i}", rid)],
                               [json.dumps(chunk, ensure_ascii=False)], keys)
        added, updated, unchanged = added + result[1], updated + result[2], unchanged + result[3]
    if added or updated:
        coverage.notify(backend, community_id, [{"round": int(meta.get("round") or 1), "compound": None,
                                                 "building": None, "unit": None, "roster": True}])
    households = sum(int(v) for k, v in backend.redis.hgetall(keys.counts).items() if k.endswith(":hh"))
    return {"people": backend.redis.hlen(keys.person_keys), "households": households, "added": added,
            "updated": updated, "unchanged": unchanged, "rejected": rejected}
