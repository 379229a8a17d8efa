"""The workflow's fields of a ticket as staff and holders see them: no personal data here."""


def _int(value) -> int | None:
    return None if value in (None, "") else int(value)


def flow_fields(raw: dict) -> dict:
    """Lane, marks, household and tube of a raw ticket hash (ID and phone are masked elsewhere)."""
    return {
        "doc_type": raw.get("doc_type", "id"),
        "lane": raw.get("lane", "r"),
        "priority": raw.get("priority") or None,
        "declared": raw.get("declared") or None,
        "priority_checked": bool(raw.get("priority_checked_ms")),
        "single": raw.get("single") or None,
        "household": raw.get("household") or None,
        "walk_in": raw.get("walk_in") == "1",
        "round": raw.get("round"),
        "tube": raw.get("tube"),
        "tube_position": _int(raw.get("tube_pos")),
        "sample_mode": raw.get("sample_mode"),
        "tube_filled": raw.get("tube_filled") == "1",
        "medic": raw.get("medic"),
        "voided": bool(raw.get("voided_ms")),
        "void_reason": raw.get("void_reason"),
    }
