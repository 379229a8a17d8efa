"""The arithmetic behind the organizer's figures: pure functions of numbers and a clock.

Kept apart from Redis so each rule (bands, percentiles, the bottleneck, shifts,
staffing gaps) can be checked against a fixed time without a server.
docs/figures.md says the same in words for organizers.
"""

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

DAY_MS = 86_400_000
QUARTER_MS = 900_000
MINUTE_MS = 60_000

BANDS = ("flowing", "busy", "congested")
DEFAULT_BAND_BUSY_MIN = 25
DEFAULT_BAND_CONGESTED_MIN = 50
#: The promise: nobody waits longer than this (minutes).
DEFAULT_WAIT_TARGET_MIN = 30

ROLES = ("medic", "cadre", "worker_entry", "worker_order")
#: The 1+2+4 layout: one medic, two cadres, four workers (two at entry, two keeping order).
DEFAULT_STANDARD = {"medic": 1, "cadre": 2, "worker_entry": 2, "worker_order": 2}
DEFAULT_DAY_SHIFT_START = "08:00"
DEFAULT_SHIFT_HOURS = 12

#: A medic idle at least this share of the time between samples is waiting for people.
IDLE_BOTTLENECK = 0.30
#: Fewer consecutive samples than this and no stage is named.
MIN_CYCLES = 5


def tz_offset_ms(timezone: str, now_ms: int) -> int:
    """The zone's UTC offset at the moment ``now_ms``."""
    offset = datetime.fromtimestamp(now_ms / 1000, tz=ZoneInfo(timezone)).utcoffset() or timedelta(0)
    return int(offset.total_seconds() * 1000)


#: How far a site's stored zone offsets reach: a year back, five years ahead. Every app start
#: writes them afresh, so they never run out while a deployment lives.
ZONE_BACK_MS = 366 * DAY_MS
ZONE_AHEAD_MS = 5 * 366 * DAY_MS
_ZONE_STEP_MS = 6 * 3600 * 1000


@lru_cache(maxsize=64)
def _zone_offsets(timezone: str, start_ms: int, end_ms: int) -> str:
    pairs = [(start_ms, tz_offset_ms(timezone, start_ms))]
    at = start_ms
    while at < end_ms:
        step_end = min(at + _ZONE_STEP_MS, end_ms)
        if tz_offset_ms(timezone, step_end) != pairs[-1][1]:
            before, after = at, step_end  # the switch is in (before, after]: halve to the millisecond
            while after - before > 1:
                middle = (before + after) // 2
                if tz_offset_ms(timezone, middle) == pairs[-1][1]:
                    before = middle
                else:
                    after = middle
            pairs.append((after, tz_offset_ms(timezone, after)))
        at = step_end
    return ",".join(f"{start}:{offset}" for start, offset in pairs)


def zone_offsets(timezone: str, now_ms: int) -> str:
    """The zone's UTC offsets from a year before ``now_ms`` to five years after, as
    ``from_ms:offset_ms`` pairs joined by commas, oldest first: the offset in force at the start,
    then one pair per switch. The scripts that count a site's figures read them from the site's
    meta and take the last pair begun by their own clock (``scripts/includes/zone.lua``), so a
    daylight-saving switch needs nobody to write anything."""
    day = now_ms - now_ms % DAY_MS  # the same list all day long: computed once per zone and day
    return _zone_offsets(timezone, day - ZONE_BACK_MS, day + ZONE_AHEAD_MS)


def local_day(now_ms: int, offset_ms: int) -> tuple[int, int]:
    """(day number, quarter-hour index 0..95) in the site's time, as the Lua side buckets them."""
    local = now_ms + offset_ms
    return local // DAY_MS, (local % DAY_MS) // QUARTER_MS


def local_midnight_ms(now_ms: int, timezone: str) -> int:
    """When today began in the site's zone (right on daylight-saving days too)."""
    now = datetime.fromtimestamp(now_ms / 1000, tz=ZoneInfo(timezone))
    return _ms(now.replace(hour=0, minute=0, second=0, microsecond=0))


def band(minutes: float | None, busy_min: int = DEFAULT_BAND_BUSY_MIN,
         congested_min: int = DEFAULT_BAND_CONGESTED_MIN) -> str:
    """The public maps' three colours: under ``busy_min`` flowing, then busy, then congested."""
    if minutes is None or minutes < busy_min:
        return "flowing"
    return "busy" if minutes < congested_min else "congested"


def site_band_minutes(waiting: int, eta_s: int | None, longest_ms: int | None) -> float | None:
    """The minutes a site's band is judged by: nobody waiting, none; else the estimate for
    someone joining now; with no estimate (no station open), how long the first has waited."""
    if not waiting:
        return 0
    if eta_s is not None:
        return eta_s / 60
    return None if longest_ms is None else round(longest_ms / MINUTE_MS, 1)


def band_rank(name: str) -> int:
    return BANDS.index(name) if name in BANDS else 0


def percentile_from_histogram(histogram: dict[int, int], fraction: float) -> int | None:
    """The wait (ms) at or under which ``fraction`` of the day's waits fall.

    Waits are kept in whole-minute bins, so the answer is the upper edge of the
    bin where the running count reaches the fraction: "90% waited at most N min".
    """
    total = sum(histogram.values())
    if not total:
        return None
    needed = fraction * total
    running = 0
    for minute in sorted(histogram):
        running += histogram[minute]
        if running >= needed:
            return (minute + 1) * MINUTE_MS
    return (max(histogram) + 1) * MINUTE_MS


def mean(total: int | float, count: int) -> float | None:
    return None if not count else total / count


def stage_times(day: dict[str, int], station: int) -> dict:
    """Walk-up, information-entry and swab means (seconds), and the medic's idle share.

    ``day`` is the day's aggregate hash (field -> int) that the queue scripts keep.
    """
    s = f"s{station}:"

    def avg(name):
        value = mean(day.get(s + name + "_sum", 0), day.get(s + name + "_n", 0))
        return None if value is None else round(value / 1000, 1)

    gap_sum, gap_n = day.get(s + "gap_sum", 0), day.get(s + "gap_n", 0)
    idle = None if not gap_sum else day.get(s + "idle_sum", 0) / gap_sum
    return {
        "walk_up_s": avg("walk"),
        "entry_s": avg("entry"),
        "swab_s": avg("swab"),
        "cycle_s": avg("gap"),
        "cycles": gap_n,
        "medic_idle": None if idle is None else round(idle, 3),
    }


def bottleneck(stages: dict) -> dict:
    """Which stage holds the station back, and what to do about it.

    The medic is the last stage. If the medic waits between samples for a
    large share of the time, the resident is not ready soon enough: the
    bottleneck is upstream — entry when the entry time is the bigger part of
    the walk-up, walking to the table otherwise. If the medic is seldom idle,
    the swab itself is the limit: another station (another medic) is the cure.
    """
    idle = stages.get("medic_idle")
    if idle is None or stages.get("cycles", 0) < MIN_CYCLES:
        return {"stage": None, "advice": "not_enough_data", "medic_idle": idle}
    if idle >= IDLE_BOTTLENECK:
        entry, walk = stages.get("entry_s") or 0, stages.get("walk_up_s") or 0
        if walk and entry >= walk / 2:
            return {"stage": "entry", "advice": "add_worker_entry", "medic_idle": idle}
        return {"stage": "walk_up", "advice": "add_worker_order", "medic_idle": idle}
    return {"stage": "swab", "advice": "add_station", "medic_idle": idle}


def staffing(standard: dict[str, int], on_duty: dict[str, int]) -> dict:
    """Who is missing against the site's standard (``gaps``: role -> people short)."""
    gaps = {role: standard.get(role, 0) - on_duty.get(role, 0) for role in ROLES}
    return {
        "standard": {role: standard.get(role, 0) for role in ROLES},
        "on_duty": {role: on_duty.get(role, 0) for role in ROLES},
        "gaps": {role: n for role, n in gaps.items() if n > 0},
        "understaffed": any(n > 0 for n in gaps.values()),
    }


def parse_hhmm(value: str) -> tuple[int, int]:
    hours, _, minutes = value.partition(":")
    h, m = int(hours), int(minutes)
    if not (0 <= h < 24 and 0 <= m < 60) or len(minutes) != 2:
        raise ValueError(value)
    return h, m


def current_shift(now_ms: int, timezone: str, day_start: str = DEFAULT_DAY_SHIFT_START,
                  shift_hours: int = DEFAULT_SHIFT_HOURS) -> dict:
    """The shift running at ``now_ms`` in the site's zone: day from ``day_start`` for
    ``shift_hours``, night for the rest of the 24 hours (it crosses midnight)."""
    zone = ZoneInfo(timezone)
    now = datetime.fromtimestamp(now_ms / 1000, tz=zone)
    h, m = parse_hhmm(day_start)
    start_today = now.replace(hour=h, minute=m, second=0, microsecond=0)
    # Wall-clock arithmetic in the zone, so a shift keeps its hours across a DST change.
    candidates = []
    for days in (-1, 0):
        day_begin = start_today + timedelta(days=days)
        night_begin = day_begin + timedelta(hours=shift_hours)
        next_day = day_begin + timedelta(days=1)
        candidates += [("day", day_begin, night_begin), ("night", night_begin, next_day)]
    for name, begin, end in candidates:
        b, e = _ms(begin), _ms(end)
        if b <= now_ms < e:
            return {"name": name, "start_ms": b, "end_ms": e}
    raise AssertionError("a shift always covers now")  # pragma: no cover


def _ms(moment: datetime) -> int:
    return int(moment.astimezone(UTC).timestamp() * 1000)
