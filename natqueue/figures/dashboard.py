"""A site's live figures for the organizer: one read, whatever the queue's length.

Everything counted over time is kept up to date by the queue scripts at the moment of change
(the stats include of the Lua scripts); here we only read: the day's aggregate hash, a few
ZCOUNTs on each station's samples (O(log n)), the queue's length and its oldest ticket. The
cost grows with the number of stations, never with the number of people waiting. Then the
alerts raised by these figures are brought in line (``figures.alerts``).
"""

from natqueue.figures import alerts, arithmetic, foresight
from natqueue.keys import SiteKeys
from natqueue.planner import PlanError
from natqueue.sites import staffing
from natqueue.sites.registry import get_site
from natqueue.sites.settings import DEFAULT_TIMEZONE, organizer_settings
from natqueue.store.backend import Backend

MINUTE_MS = arithmetic.MINUTE_MS


def _ints(raw: dict) -> dict[str, int]:
    found = {}
    for name, value in raw.items():
        try:
            found[name] = int(value)
        except (TypeError, ValueError):
            continue
    return found


def _ticket_numbers(backend: Backend, keys: SiteKeys, ticket_ids: list[str]) -> dict[str, str]:
    if not ticket_ids:
        return {}
    pipe = backend.redis.pipeline(transaction=False)
    for tid in ticket_ids:
        pipe.hget(keys.ticket(tid), "number")
    return dict(zip(ticket_ids, pipe.execute(), strict=True))


def site_stats(backend: Backend, site_id: str, sync_alerts: bool = True, look_ahead: bool = True) -> dict:
    """Every figure the dashboard shows for one site (see docs/figures.md); ``look_ahead``:
    with the foresight (``figures.foresight``), which the public list has no use for."""
    keys = SiteKeys(site_id)
    site = get_site(backend, site_id)
    now = backend.now_ms()
    meta = backend.redis.hgetall(keys.meta)
    conf = organizer_settings(meta)
    timezone = meta.get("timezone", DEFAULT_TIMEZONE)
    # The day and quarter the scripts counted in: the same zone, at the same moment (zone.lua).
    day, quarter_now = arithmetic.local_day(now, arithmetic.tz_offset_ms(timezone, now))
    day_start = arithmetic.local_midnight_ms(now, timezone)
    numbers = [s["number"] for s in site["stations"]]

    pipe = backend.redis.pipeline(transaction=True)
    pipe.hgetall(keys.stats_day(day))
    pipe.zrange(keys.waiting, 0, 0)
    pipe.hgetall(keys.station_reasons)
    for n in numbers:
        # Up to +inf, not now: a sample recorded between reading the clock and this read is
        # already in the day's counts above, and the hour's must agree with them.
        pipe.zcount(keys.served_at(n), now - 15 * MINUTE_MS, "+inf")
        pipe.zcount(keys.served_at(n), now - 60 * MINUTE_MS, "+inf")
        # called, not yet sampled or passed: a few at most, scored by the moment of the call
        pipe.zrange(keys.serving(n), 0, -1, withscores=True)
        pipe.hgetall(keys.roster(n))
    answers = pipe.execute()
    day_raw, oldest, reasons = answers[:3]
    per_station = [answers[3 + 4 * i: 7 + 4 * i] for i in range(len(numbers))]
    agg = _ints(day_raw)
    numbers_of = _ticket_numbers(backend, keys, [tid for st in per_station for tid, _ in st[2]])

    longest_ms, longest_number = longest_wait(backend, keys, now, oldest)

    histogram = {int(k[1:]): v for k, v in agg.items() if k.startswith("h") and k[1:].isdigit()}
    waits_n = agg.get("waits_n", 0)
    stations = []
    total_15 = total_60 = 0
    shift = arithmetic.current_shift(now, timezone, conf["shift_day_start"], conf["shift_hours"])
    for station, (n15, n60, serving, roster_raw) in zip(site["stations"], per_station, strict=True):
        n = station["number"]
        total_15 += n15
        total_60 += n60
        people = staffing.on_duty(roster_raw, shift["start_ms"])
        stages = arithmetic.stage_times(agg, n)
        stations.append({
            "number": n,
            "status": station["status"],
            "reason": reasons.get(str(n)) if station["status"] == "paused" else None,
            "calling": station["calling"],
            "serving": len(serving),
            # Who is at the station now, in the order called; not the last number called,
            # which stays on the calling screen after that person was sampled.
            # Two called in the same millisecond: the earlier number first.
            "serving_numbers": [numbers_of[tid] for tid, _ in sorted(serving, key=lambda e: (
                e[1], numbers_of.get(e[0]) or "")) if numbers_of.get(tid)],
            "per_hour_15": n15 * 4,
            "per_hour_60": n60,
            "today": agg.get(f"s{n}:samples", 0),
            "untubed": agg.get(f"s{n}:untubed", 0),
            "staffing": arithmetic.staffing(conf["standard"], staffing.counts(people)),
            "people": people,
            "stages": stages,
            "bottleneck": arithmetic.bottleneck(stages),
        })

    eta = site["eta_seconds"]
    band_minutes = arithmetic.site_band_minutes(site["waiting"], eta, longest_ms)
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
        "band": arithmetic.band(band_minutes, conf["band_busy_min"], conf["band_congested_min"]),
        "throughput": {"per_hour_15": total_15 * 4, "per_hour_60": total_60, "today": agg.get("samples", 0),
                       "untubed": agg.get("untubed", 0)},
        "waits": {
            "longest_s": None if longest_ms is None else longest_ms // 1000,
            "longest_number": longest_number,
            "count_today": waits_n,
            "avg_s": None if not waits_n else round(agg.get("waits_sum", 0) / waits_n / 1000),
            "p90_s": None if not waits_n else arithmetic.percentile_from_histogram(histogram, 0.9) // 1000,
            "max_s": None if not waits_n else agg.get("waits_max", 0) // 1000,
        },
        "stations": stations,
        # Anyone checked in for this shift at any station: until then a short station is a
        # site nobody has rostered yet (one calm notice), not an alarm per station.
        "rostered": any(p["this_shift"] for st in stations for p in st["people"]),
        "chart": _chart(agg, quarter_now),
        "foresight": _foresight(backend, site, conf, timezone, now) if look_ahead else None,
    }
    stats["notices"] = [] if stats["rostered"] else [{"kind": "no_roster"}]
    stats["alerts"] = alerts.sync(backend, site_id, alerts.conditions(stats)) if sync_alerts else []
    return stats


def _foresight(backend: Backend, site: dict, conf: dict, timezone: str, now: int) -> dict:
    """The site's foresight, at most every half minute unless its stations or settings change."""
    fingerprint = (tuple((s["number"], s["status"]) for s in site["stations"]),
                   conf["wait_target_min"], conf["closes"], timezone)
    try:
        return foresight.cached(backend, site["id"], fingerprint, now)
    except PlanError:  # a queue too large to simulate (millions waiting): say nothing rather than fail
        return {"status": "unknown", "reason": "too_large"}


def longest_wait(backend: Backend, keys: SiteKeys, now: int,
                 oldest: list | None = None) -> tuple[int | None, str | None]:
    """How long the first in line has waited (ms) and their number; ``oldest``: the first id
    of the waiting set when the caller already read it."""
    if oldest is None:
        oldest = backend.redis.zrange(keys.waiting, 0, 0)
    if not oldest:
        return None, None
    created, number = backend.redis.hmget(keys.ticket(oldest[0]), "created_ms", "number")
    return (None if created is None else max(0, now - int(created))), number


def most_crowded_first(found: list[dict]) -> list[dict]:
    """Sites' figures for the organizer: congested, busy, flowing; then the longest estimate."""
    return sorted(found, key=lambda s: (-arithmetic.band_rank(s["band"]), -(s.get("eta_join_s") or 0),
                                        s.get("name", "")))


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
