"""A site's live figures for the organizer: one read, whatever the queue's length.

Everything counted over time is kept up to date by the queue scripts at the
moment of change (``natqueue.stats_lua``); here we only read: the day's
aggregate hash, a few ``ZCOUNT``s on each station's samples (O(log n)), the
queue's length and its oldest ticket. The cost grows with the number of
stations, never with the number of people waiting. Then the alerts raised by
these figures are brought in line (``ALERTS_SYNC``).
"""

import json

from natqueue import figures, roster
from natqueue.backend import Backend
from natqueue.keys import SiteKeys
from natqueue.siteadmin import settings
from natqueue.sites import get_site

MINUTE_MS = figures.MINUTE_MS


def _ints(raw: dict) -> dict[str, int]:
    found = {}
    for name, value in raw.items():
        try:
            found[name] = int(value)
        except (TypeError, ValueError):
            continue
    return found


def _minutes(ms: int | None) -> float | None:
    return None if ms is None else round(ms / MINUTE_MS, 1)


def site_stats(backend: Backend, site_id: str, sync_alerts: bool = True) -> dict:
    """Every figure the dashboard shows for one site (see docs/figures.md)."""
    keys = SiteKeys(site_id)
    site = get_site(backend, site_id)
    now = backend.now_ms()
    meta = backend.redis.hgetall(keys.meta)
    conf = settings(meta)
    timezone = meta.get("timezone", "Asia/Shanghai")
    offset = figures.tz_offset_ms(timezone, now)
    if str(offset) != meta.get("tz_offset_ms"):
        backend.redis.hset(keys.meta, "tz_offset_ms", offset)  # e.g. a daylight-saving change
    day, quarter_now = figures.local_day(now, offset)
    day_start = figures.local_midnight_ms(now, timezone)
    numbers = [s["number"] for s in site["stations"]]

    pipe = backend.redis.pipeline(transaction=True)
    pipe.hgetall(keys.stats_day(day))
    pipe.zrange(keys.waiting, 0, 0)
    pipe.hgetall(keys.station_reasons)
    for n in numbers:
        pipe.zcount(keys.served_at(n), now - 15 * MINUTE_MS, now)
        pipe.zcount(keys.served_at(n), now - 60 * MINUTE_MS, now)
        pipe.zcard(keys.serving(n))
        pipe.hgetall(keys.roster(n))
    answers = pipe.execute()
    day_raw, oldest, reasons = answers[:3]
    per_station = [answers[3 + 4 * i: 7 + 4 * i] for i in range(len(numbers))]
    agg = _ints(day_raw)

    longest_ms, longest_number = None, None
    if oldest:
        created, longest_number = backend.redis.hmget(keys.ticket(oldest[0]), "created_ms", "number")
        if created is not None:
            longest_ms = max(0, now - int(created))

    histogram = {int(k[1:]): v for k, v in agg.items() if k.startswith("h") and k[1:].isdigit()}
    waits_n = agg.get("waits_n", 0)
    stations = []
    total_15 = total_60 = 0
    shift = figures.current_shift(now, timezone, conf["shift_day_start"], conf["shift_hours"])
    for station, (n15, n60, serving, roster_raw) in zip(site["stations"], per_station, strict=True):
        n = station["number"]
        total_15 += n15
        total_60 += n60
        people = roster.on_duty(roster_raw, shift["start_ms"])
        stages = figures.stage_times(agg, n)
        stations.append({
            "number": n,
            "status": station["status"],
            "reason": reasons.get(str(n)) if station["status"] == "paused" else None,
            "calling": station["calling"],
            "serving": serving,
            "per_hour_15": n15 * 4,
            "per_hour_60": n60,
            "today": agg.get(f"s{n}:samples", 0),
            "staffing": figures.staffing(conf["standard"], roster.counts(people)),
            "people": people,
            "stages": stages,
            "bottleneck": figures.bottleneck(stages),
        })

    eta = site["eta_seconds"]
    band_minutes = eta / 60 if eta is not None else _minutes(longest_ms)
    if not site["waiting"]:
        band_minutes = 0
    stats = {
        "site_id": site_id,
        "name": site["name"],
        "address": site["address"],
        "area": conf["area"],
        "now_ms": now,
        "timezone": timezone,
        "day_start_ms": day_start,
        "shift": shift,
        "settings": conf,
        "waiting": site["waiting"],
        "accepting": site["accepting"],
        "pace_seconds": site["pace_seconds"],
        "eta_join_s": eta,
        "band": figures.band(band_minutes, conf["band_busy_min"], conf["band_congested_min"]),
        "throughput": {"per_hour_15": total_15 * 4, "per_hour_60": total_60, "today": agg.get("samples", 0)},
        "waits": {
            "longest_s": None if longest_ms is None else longest_ms // 1000,
            "longest_number": longest_number,
            "count_today": waits_n,
            "avg_s": None if not waits_n else round(agg.get("waits_sum", 0) / waits_n / 1000),
            "p90_s": None if not waits_n else figures.percentile_from_histogram(histogram, 0.9) // 1000,
            "max_s": None if not waits_n else agg.get("waits_max", 0) // 1000,
        },
        "stations": stations,
        "chart": _chart(agg, quarter_now),
    }
    stats["alerts"] = sync(backend, site_id, _conditions(stats), now) if sync_alerts else []
    return stats


def _chart(agg: dict[str, int], quarter_now: int) -> dict:
    """Per quarter hour since local midnight: samples per hour, average and longest wait (min)."""
    samples, avg_wait, max_wait = [], [], []
    for q in range(quarter_now + 1):
        p = f"q{q}:"
        samples.append(agg.get(p + "samples", 0) * 4)
        n = agg.get(p + "waits_n", 0)
        avg_wait.append(None if not n else round(agg.get(p + "waits_sum", 0) / n / MINUTE_MS, 1))
        max_wait.append(None if not n else round(agg.get(p + "waits_max", 0) / MINUTE_MS, 1))
    labels = [f"{q // 4:02d}:{q % 4 * 15:02d}" for q in range(quarter_now + 1)]
    return {"labels": labels, "per_hour": samples, "avg_wait_min": avg_wait, "max_wait_min": max_wait}


#: A wait alert already acknowledged is raised again each time the wait grows by this much
#: more (45, 60, 75 minutes…): seen at 31 minutes is not seen at 50.
ESCALATE_S = 15 * 60


def _conditions(stats: dict) -> dict[str, dict]:
    """The alert conditions true now, by alert id."""
    target = stats["settings"]["wait_target_min"] * 60
    found = {}
    waits = stats["waits"]
    if waits["longest_s"] is not None and waits["longest_s"] > target:
        found["long_wait"] = {"kind": "long_wait", "level": waits["longest_s"] // ESCALATE_S,
                              "detail": {"minutes": waits["longest_s"] // 60, "number": waits["longest_number"]}}
    if stats["waiting"] and stats["eta_join_s"] is not None and stats["eta_join_s"] > target:
        found["projected"] = {"kind": "projected", "level": stats["eta_join_s"] // ESCALATE_S,
                              "detail": {"minutes": stats["eta_join_s"] // 60}}
    if stats["waiting"]:
        for st in stats["stations"]:
            n = st["number"]
            if st["status"] == "paused":
                found[f"paused:{n}"] = {"kind": "paused", "station": n, "detail": {"reason": st["reason"]}}
            elif st["status"] == "open" and st["staffing"]["understaffed"]:
                found[f"understaffed:{n}"] = {"kind": "understaffed", "station": n,
                                              "detail": {"gaps": st["staffing"]["gaps"]}}
    return found


def sync(backend: Backend, site_id: str, active: dict[str, dict], now: int) -> list[dict]:
    """Store the conditions true now as alerts; return every alert still shown, oldest first."""
    flat = []
    for alert_id, alert in sorted(active.items()):
        flat += [alert_id, json.dumps({**alert, "id": alert_id}, ensure_ascii=False)]
    stored = backend.script("ALERTS_SYNC")(keys=[SiteKeys(site_id).alerts], args=[now, *flat])
    alerts = [json.loads(v) for v in stored[1::2]]
    return sorted(alerts, key=lambda a: (a.get("raised_ms", 0), a["id"]))


def acknowledge(backend: Backend, site_id: str, alert_id: str, actor: str) -> bool:
    return bool(backend.script("ALERT_ACK")(keys=[SiteKeys(site_id).alerts],
                                            args=[alert_id, backend.now_ms(), actor]))


def summary(stats: dict) -> dict:
    """What the public list of sites shows: never staffing or alerts."""
    return {"id": stats["site_id"], "name": stats["name"], "address": stats["address"], "area": stats["area"],
            "waiting": stats["waiting"], "eta_join_s": stats["eta_join_s"], "band": stats["band"],
            "accepting": stats["accepting"]}
