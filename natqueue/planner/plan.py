"""What a plan is made of, checked once, as plain data.

A plan arrives as a JSON-like dict (the API's body, the what-if page's form,
a test's literal). ``plan_from`` checks every field and raises one
``PlanError`` naming all the bad ones, so an organizer fixes a plan in one go;
what comes out is a frozen ``Plan`` the engine can trust without checking
again. The size guard lives here too: a plan whose expected arrivals or days
are beyond what one request may simulate is refused before any work is done.
"""

import math
from dataclasses import dataclass, field

DAY_S = 86_400
#: More days than this is not a plan, it is a season: refused.
MAX_DAYS = 31
#: Expected arrivals (people) one simulation may take; beyond, refused before any work.
MAX_ARRIVALS = 10_000_000
#: A site never runs more stations than this; it also bounds the search for the least.
MAX_STATIONS = 500
#: One person longer than a day at a table is a typing error.
MAX_SERVICE_S = 3_600.0
MAX_PER_HOUR = 1_000_000.0
SERVICE_KINDS = ("exponential", "deterministic", "empirical")
#: The sampling workflow's default call ratio: 1 priority call, then 2 regular ones.
DEFAULT_PRIORITY_RATIO = (1, 2)
#: Measured service times kept to resample from (the newest ones are the ones that matter).
MAX_SAMPLES = 5_000


class PlanError(ValueError):
    """A plan that cannot be simulated; ``fields`` maps each bad field to a reason code."""

    def __init__(self, fields: dict[str, str]):
        super().__init__(", ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


def gather(bad: dict, read, *args):
    """``read(*args)``, or None with its bad fields added to ``bad``: a form names every bad field at once."""
    try:
        return read(*args)
    except PlanError as exc:
        bad.update(exc.fields)
        return None


@dataclass(frozen=True)
class Service:
    """Seconds a station spends on one person: a distribution and its mean."""

    kind: str
    mean_s: float
    samples: tuple[float, ...] = ()


@dataclass(frozen=True)
class Plan:
    #: Stations open, or a daily schedule ((from_s, count), ...) sorted by time of day.
    stations: int | tuple[tuple[int, int], ...]
    service: Service
    #: Arrival slots (from_s, to_s, per_hour), each a Poisson stream; repeated every day.
    slots: tuple[tuple[int, int, float], ...]
    days: int = 1
    seed: int = 0
    #: Share of arrivals in the priority lane, and the site's call ratio (priority, regular).
    priority_share: float = 0.0
    priority_ratio: tuple[int, int] = DEFAULT_PRIORITY_RATIO
    #: People already waiting when the plan starts: (priority, regular).
    waiting: tuple[int, int] = (0, 0)
    #: Time of day (s) the plan starts; None: the first slot's start (or midnight).
    start_s: int | None = None
    notes: dict = field(default_factory=dict, compare=False)

    @property
    def start(self) -> int:
        if self.start_s is not None:
            return self.start_s
        return min((a for a, _, _ in self.slots), default=0)

    def arrivals_per_day(self) -> float:
        return sum(rate * (b - a) / 3600 for a, b, rate in self.slots)

    def expected_arrivals(self) -> float:
        """Arrivals the curve brings on average over every day, plus those already waiting."""
        return self.arrivals_per_day() * self.days + sum(self.waiting)

    def station_seconds_per_day(self) -> float:
        if isinstance(self.stations, int):
            return float(self.stations * DAY_S)
        total, steps = 0.0, self.stations
        for i, (at, count) in enumerate(steps):
            end = steps[i + 1][0] if i + 1 < len(steps) else DAY_S
            total += count * (end - at)
        return total + steps[-1][1] * steps[0][0]  # before the first step the last one holds

    def with_stations(self, count: int) -> "Plan":
        return Plan(count, self.service, self.slots, self.days, self.seed, self.priority_share,
                    self.priority_ratio, self.waiting, self.start_s, self.notes)


# --- checks -----------------------------------------------------------------------


def parse_clock(value, allow_24: bool = False) -> int:
    """``"HH:MM"`` -> seconds since midnight; ``"24:00"`` (end of day) only where allowed."""
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        raise ValueError(value)
    hours, minutes = value[:2], value[3:]
    if not (hours.isdigit() and minutes.isdigit()):
        raise ValueError(value)
    h, m = int(hours), int(minutes)
    if allow_24 and h == 24 and m == 0:
        return DAY_S
    if not (0 <= h < 24 and 0 <= m < 60):
        raise ValueError(value)
    return h * 3600 + m * 60


def clock(seconds: float) -> str:
    """Seconds since midnight -> ``"HH:MM"`` (within the day)."""
    s = int(seconds) % DAY_S
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}"


def _number(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def _int(value, name: str, low: int, high: int, bad: dict) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        bad[name] = f"integer_{low}_to_{high}"
        return None
    return value


def _objects(value: list, field: str, bad: dict):
    """Each object of a list with its name (``field[i]``); anything else in the list is marked bad."""
    for i, item in enumerate(value):
        name = f"{field}[{i}]"
        if isinstance(item, dict):
            yield name, item
        else:
            bad[name] = "object_required"


def _stations(value, bad: dict):
    if isinstance(value, list):
        if not value:
            bad["stations"] = "required"
            return None
        steps = []
        for name, step in _objects(value, "stations", bad):
            try:
                at = parse_clock(step.get("from"))
            except ValueError:
                bad[name + ".from"] = "hh_mm"
                continue
            count = _int(step.get("stations"), name + ".stations", 0, MAX_STATIONS, bad)
            if count is not None:
                steps.append((at, count))
        steps.sort()
        if len({at for at, _ in steps}) != len(steps):
            bad["stations"] = "one_step_per_time"
        elif steps and not any(count for _, count in steps):
            bad["stations"] = "no_station_open"
        return tuple(steps)
    if value is None:
        bad["stations"] = "required"
        return None
    return _int(value, "stations", 1, MAX_STATIONS, bad)


def _service(data: dict, bad: dict) -> Service | None:
    kind = data.get("service_dist", "exponential")
    samples = data.get("service_samples")
    if samples is not None:
        ok = (isinstance(samples, list) and 0 < len(samples) <= MAX_SAMPLES
              and all(_number(s) and 0 < s <= MAX_SERVICE_S for s in samples))
        if not ok:
            bad["service_samples"] = f"list_of_1_to_{MAX_SAMPLES}_seconds_above_0"
            return None
        values = tuple(float(s) for s in samples)
        return Service("empirical", sum(values) / len(values), values)
    if kind not in SERVICE_KINDS[:2]:
        bad["service_dist"] = "one_of_exponential|deterministic"
        return None
    mean = data.get("service_s")
    if mean is None:
        bad["service_s"] = "required"
        return None
    if not _number(mean) or not 0 < mean <= MAX_SERVICE_S:
        bad["service_s"] = "seconds_above_0" if _number(mean) and mean <= 0 else f"seconds_up_to_{int(MAX_SERVICE_S)}"
        return None
    return Service(kind, float(mean))


def _slots(value, bad: dict, allow_empty: bool) -> tuple:
    if not isinstance(value, list) or (not value and not allow_empty):
        bad["arrivals"] = "list_of_slots_required"
        return ()
    slots = []
    for name, slot in _objects(value, "arrivals", bad):
        ends = []
        for end in ("from", "to"):
            try:
                ends.append(parse_clock(slot.get(end), allow_24=end == "to"))
            except ValueError:
                bad[f"{name}.{end}"] = "hh_mm"
        rate = slot.get("per_hour")
        if not _number(rate) or not 0 <= rate <= MAX_PER_HOUR:
            bad[f"{name}.per_hour"] = "not_negative" if _number(rate) and rate < 0 else "number_required"
            continue
        if len(ends) != 2:
            continue
        if ends[1] == ends[0]:
            bad[name] = "empty_slot"
        elif ends[1] < ends[0]:
            bad[name] = "reversed_slot"
        else:
            slots.append((ends[0], ends[1], float(rate)))
    return tuple(slots)


def _waiting(value, bad: dict) -> tuple[int, int]:
    """People already waiting: a count (all regular) or ``{"priority", "regular"}``."""
    if value is None:
        return (0, 0)
    if isinstance(value, dict):
        p = _int(value.get("priority", 0), "waiting.priority", 0, MAX_ARRIVALS, bad)
        r = _int(value.get("regular", 0), "waiting.regular", 0, MAX_ARRIVALS, bad)
        return (p or 0, r or 0)
    return (0, _int(value, "waiting", 0, MAX_ARRIVALS, bad) or 0)


def plan_from(data: dict, allow_no_arrivals: bool = False) -> Plan:
    """A checked ``Plan`` from plain data (the API's field names), or ``PlanError``.

    Fields: ``stations`` (count, or ``[{"from": "HH:MM", "stations": n}]`` by time of day),
    ``service_s`` with ``service_dist`` (exponential, deterministic) or ``service_samples``
    (measured seconds, resampled), ``arrivals`` (``[{"from", "to", "per_hour"}]``), ``days``,
    ``seed``, ``priority_share``, ``priority_ratio``, ``waiting``, ``start``.
    """
    if not isinstance(data, dict):
        raise PlanError({"body": "json_object_required"})
    bad: dict[str, str] = {}
    stations = _stations(data.get("stations"), bad)
    service = _service(data, bad)
    slots = _slots(data.get("arrivals", [] if allow_no_arrivals else None), bad, allow_no_arrivals)
    days = data.get("days", 1)
    if _number(days) and not isinstance(days, bool) and days == int(days) and days > MAX_DAYS:
        bad["days"] = "too_large"
    else:
        days = _int(days, "days", 1, MAX_DAYS, bad)
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        bad["seed"] = "integer"
    share = data.get("priority_share", 0.0)
    if not _number(share) or not 0 <= share <= 1:
        bad["priority_share"] = "number_0_to_1"
    ratio = data.get("priority_ratio", list(DEFAULT_PRIORITY_RATIO))
    if (not isinstance(ratio, list | tuple) or len(ratio) != 2
            or not all(isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 10 for n in ratio)):
        bad["priority_ratio"] = "two_integers_1_to_10"
    waiting = _waiting(data.get("waiting"), bad)
    start = data.get("start")
    if start is not None:
        try:
            start = parse_clock(start)
        except ValueError:
            bad["start"] = "hh_mm"
    if bad:
        raise PlanError(bad)
    plan = Plan(stations, service, slots, days, seed, float(share), tuple(ratio), waiting, start)
    if plan.expected_arrivals() > MAX_ARRIVALS:
        raise PlanError({"arrivals": "too_large"})
    return plan


def clean_target(value) -> float | None:
    """The p90 wait (s) a plan must keep to; None when not asked."""
    if value is None:
        return None
    if not _number(value) or value < 0:
        raise PlanError({"target_wait_s": "seconds_not_negative"})
    return float(value)
