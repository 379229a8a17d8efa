"""Alerts: raised by the figures, kept until an organizer acknowledges them."""

import json

from natqueue.keys import SiteKeys
from natqueue.store.backend import Backend

#: A wait alert already acknowledged is raised again each time the wait grows by this much
#: more (45, 60, 75 minutes…): seen at 31 minutes is not seen at 50.
ESCALATE_S = 15 * 60


def conditions(stats: dict) -> dict[str, dict]:
    """The alert conditions true now, by alert id.

    Understaffing is an alarm only once the shift is rostered (someone checked in at any
    station): before, every station of a new site would be short, and four red alarms per
    station say less than the site's one notice that nobody is rostered yet."""
    target = stats["settings"]["wait_target_min"] * 60
    found = {}
    waits = stats["waits"]
    if waits["longest_s"] is not None and waits["longest_s"] > target:
        found["long_wait"] = {"kind": "long_wait", "level": waits["longest_s"] // ESCALATE_S,
                              "detail": {"minutes": waits["longest_s"] // 60, "seconds": waits["longest_s"],
                                           "number": waits["longest_number"]}}
    if stats["waiting"] and stats["eta_join_s"] is not None and stats["eta_join_s"] > target:
        found["projected"] = {"kind": "projected", "level": stats["eta_join_s"] // ESCALATE_S,
                              "detail": {"minutes": stats["eta_join_s"] // 60, "seconds": stats["eta_join_s"]}}
    ahead = stats.get("foresight") or {}
    if ahead.get("status") == "act":
        # Worse by a station after it was acknowledged: raised again.
        found["foresight"] = {"kind": "foresight", "level": ahead["more"] or 0,
                              "detail": {key: ahead.get(key) for key in
                                         ("more", "stations", "open_by", "open_now", "breach_at", "target_s")}}
    if stats["waiting"]:
        for st in stats["stations"]:
            n = st["number"]
            if st["status"] == "paused":
                found[f"paused:{n}"] = {"kind": "paused", "station": n, "detail": {"reason": st["reason"]}}
            elif st["status"] == "open" and st["staffing"]["understaffed"] and stats["rostered"]:
                found[f"understaffed:{n}"] = {"kind": "understaffed", "station": n,
                                              "detail": {"gaps": st["staffing"]["gaps"]}}
    return found


def sync(backend: Backend, site_id: str, active: dict[str, dict]) -> list[dict]:
    """Store the conditions true now as alerts; return every alert still shown, oldest first."""
    flat = []
    for alert_id, alert in sorted(active.items()):
        flat += [alert_id, json.dumps({**alert, "id": alert_id}, ensure_ascii=False)]
    keys = SiteKeys(site_id)
    stored = backend.run("ALERTS_SYNC", [keys.alerts], flat, keys)
    alerts = [json.loads(v) for v in stored[1::2]]
    return sorted(alerts, key=lambda a: (a.get("raised_ms", 0), a["id"]))


def acknowledge(backend: Backend, site_id: str, alert_id: str, actor: str) -> bool:
    keys = SiteKeys(site_id)
    return bool(backend.run("ALERT_ACK", [keys.alerts], [alert_id, actor], keys))
