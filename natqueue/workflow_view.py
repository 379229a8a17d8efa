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


def upcoming_ids(backend, site_id: str, station: int, count: int) -> list[str] | None:
    """Who this station will call next, in the order CALL_NEXT will pick them: its group's
    lanes (pooled or single) interleaved by the site's priority ratio (lua_helpers.choose_lane).
    None when a pooled station's lanes are empty (tickets queued before lanes wait in order)."""
    from natqueue.keys import SiteKeys

    keys = SiteKeys(site_id)
    group = "s" if backend.redis.hget(keys.modes, station) == "single" else ""
    pipe = backend.redis.pipeline(transaction=True)
    pipe.zrange(keys.lane(group + "p"), 0, count - 1)
    pipe.zrange(keys.lane(group + "r"), 0, count - 1)
    pipe.hmget(keys.meta, "priority_ratio_p", "priority_ratio_r")
    pipe.hmget(keys.lanes_state, group + "p", group + "r")
    priority, regular, ratio, state = pipe.execute()
    big_p, big_r = int(ratio[0] or 1), int(ratio[1] or 2)
    ps, rs = int(state[0] or 0), int(state[1] or 0)
    found = []
    while len(found) < count and (priority or regular):
        if priority and (not regular or ps < big_p):
            found.append(priority.pop(0))
            ps, rs = min(ps + 1, big_p), 0
        else:
            found.append(regular.pop(0))
            if not priority or rs + 1 >= big_r:
                ps, rs = 0, 0
            else:
                rs += 1
    if not found and not group:
        return None
    return found
