"""Foresight on the dashboard: will the waits pass the site's target, and when must a station open?

The planner (``natqueue.planner``) runs the site as it is now (``site_plan.plan_inputs``: its
measured service times, its queue by lane, its clock) with the rest of the morning's
arrivals: the pace at which people took numbers over the last half hour or so (the joins the
Lua figures count per quarter hour), held until the site closes or for two hours, whichever
comes first; or, where the site's community calls its buildings to it, the call-up's slots
(``plan_inputs`` hands them over as ``arrivals``; they replace the measured pace).

- With the stations open now, if every quarter hour's arrivals are called within the wait
  target (p90, 30 minutes by default), the site is fine: ``ok``.
- Otherwise ``breach_at`` is when the target is broken on the clock: the moment at which, in
  some quarter hour, more than one in ten of the people who came have waited longer than the
  target (with nobody called, the first in line reaching it).
  The least number of extra stations that holds the target if opened now is found, then
  the latest time, in five-minute steps before ``breach_at``, at which opening them still
  holds it: ``open_by``. "Open 1 more station by 09:10, or waits pass 30 minutes at 09:40".
- Before the site has measured its service time (ten gaps between consecutive samples at its
  stations, ``site_plan.MIN_GAPS``), any forecast would be the default's guess: ``unknown``.

Every plan uses the same seed, so the same site state always says the same thing; and a plan
that differs only in its stations sees the same people with the same swab times, so a later
opening never calls anyone sooner, which lets ``open_by`` and the extra stations be halved
rather than tried one by one. A morning's run is a millisecond or a few; the dashboard reads
the answer through ``cached``, which recomputes a site's at most every ``CACHE_MS`` unless its
stations or settings changed (a station opened shows at once), and less often when the
district's plans together would take more than ``BUDGET`` of the process. Free of Flask.
"""

import math
import time

from natqueue.figures.arithmetic import DAY_MS, MINUTE_MS, QUARTER_MS, local_day, parse_hhmm, tz_offset_ms
from natqueue.keys import SiteKeys
from natqueue.planner import MAX_STATIONS, simulate
from natqueue.planner.plan import clock, plan_from
from natqueue.planner.search import least_holding
from natqueue.site_plan import plan_inputs
from natqueue.sites.settings import DEFAULT_TIMEZONE, organizer_settings
from natqueue.store.backend import Backend

#: How far ahead the measured pace of arrivals is assumed to hold, at most (the closing time may end it sooner).
HORIZON_S = 2 * 3600
#: Whole quarter hours before the current one that the pace of arrivals is measured over (30-45 min).
WINDOW_QUARTERS = 2
#: A pace measured over less than this (the morning's first joins) is spread over this much.
MIN_WINDOW_MS = 15 * MINUTE_MS
#: Opening times tried, in seconds: every five minutes on the clock.
STEP_S = 300
#: A site's foresight is recomputed at most this often (ms) while its stations stay as they are.
CACHE_MS = 30_000
#: The share of one process's time that recomputing every cached site's foresight may take.
#: A morning's plan is a few milliseconds, and 200 sites every 30 s then take well under it;
#: a queue of thousands at each site (or a replay compressed in time, where the measured pace
#: of arrivals is many times a real one) makes each plan far longer, and the sites are then
#: recomputed less often instead of starving the calls and joins the process also serves.
BUDGET = 0.1
#: The longest a forecast is kept (ms), however costly plans seem (a loaded process stretches
#: the measured time of each: its greenlets wait their turn).
MAX_CACHE_MS = 120_000
SEED = 0
DAY_S = DAY_MS // 1000


def arrival_pace(backend: Backend, site_id: str, now: int, timezone: str) -> float:
    """People an hour who took a number for the pooled queue over the last 30-45 minutes.

    The window is the current quarter hour and the two before it, but starts no earlier than
    the day's first quarter with a join (a morning that began ten minutes ago is not diluted
    by the empty half hour before it), and spans at least ``MIN_WINDOW_MS``."""
    day, quarter = local_day(now, tz_offset_ms(timezone, now))
    fields = [f"q{q}:{name}" for q in range(quarter + 1) for name in ("joins", "joins_single")]
    values = backend.redis.hmget(SiteKeys(site_id).stats_day(day), fields)
    joins = [int(values[2 * q] or 0) - int(values[2 * q + 1] or 0) for q in range(quarter + 1)]
    first = next((q for q, n in enumerate(joins) if n), None)
    if first is None:
        return 0.0
    since = max(first, quarter - WINDOW_QUARTERS)
    local_ms = (now + tz_offset_ms(timezone, now)) % DAY_MS
    window_ms = max(local_ms - since * QUARTER_MS, MIN_WINDOW_MS)
    return round(sum(joins[since:]) * 3_600_000 / window_ms, 1)


def _seconds(hhmm: str) -> int:
    h, m = parse_hhmm(hhmm)
    return h * 3600 + m * 60


def _arrivals(start_s: int, closes: str, pace: float, callup: list[dict] | None) -> tuple[list[dict], int]:
    """The arrival slots from now until closing or the horizon, and that end (s of the day)."""
    end = min(start_s + HORIZON_S, DAY_S)
    if closes:
        try:
            end = min(end, _seconds(closes))
        except ValueError:
            pass
    if end <= start_s:
        return [], start_s
    to = "24:00" if end == DAY_S else clock(end)
    if callup is not None:
        slots = []
        for s in callup:
            a = max(_seconds(s["from"]), start_s)
            b = min(DAY_S if s["to"] == "24:00" else _seconds(s["to"]), end)
            if b > a and s["per_hour"] > 0:
                slots.append({"from": clock(a), "to": "24:00" if b == DAY_S else clock(b), "per_hour": s["per_hour"]})
        return slots, end
    if pace <= 0:
        return [], end
    return [{"from": clock(start_s), "to": to, "per_hour": pace}], end


class _Trials:
    """Runs plans that differ only in their stations, and says whether each holds the target."""

    def __init__(self, fields: dict, start_s: int, target_s: int):
        self.fields, self.start_s, self.target_s = fields, start_s, target_s

    def run(self, now_open: int, more: int = 0, at_s: int | None = None) -> dict:
        if more and at_s is not None and at_s > self.start_s:
            stations = [{"from": clock(self.start_s), "stations": now_open},
                        {"from": clock(at_s), "stations": now_open + more}]
        else:
            stations = now_open + more
        plan = plan_from({**self.fields, "stations": stations}, allow_no_arrivals=True)
        return simulate(plan, watch_s=self.target_s)

    def breach(self, result: dict) -> float | None:
        """When the target is broken on the clock (s of the day; past midnight is past
        ``DAY_S``), or None: the earliest moment at which, in some quarter, more than one in
        ten of its people have waited longer than the target (its p90 has passed it)."""
        found = None
        for bucket in result["buckets"]:
            allowed = bucket["people"] // 10  # nine in ten within the target: up to this many over it
            if len(bucket["over"]) > allowed:
                moment = bucket["over"][allowed]
                found = moment if found is None else min(found, moment)
        return found

    def holds(self, now_open: int, more: int, at_s: int | None = None) -> bool:
        return self.breach(self.run(now_open, more, at_s)) is None


def _least_more(trials: _Trials, now_open: int, guess: int) -> int | None:
    """The fewest extra stations that, opened now, hold the target. ``guess`` (what keeps up
    with the arrivals and empties the queue within the target) is usually right or close, so
    steps of 1, 2, 4... from it bracket the answer in a few runs, then halving finds it."""
    limit = MAX_STATIONS - now_open
    if limit < 1:
        return None
    return least_holding(lambda more: trials.holds(now_open, more), guess, limit)


def _latest_opening(trials: _Trials, now_open: int, more: int, breach_s: float) -> int:
    """The latest time (s of the day), now or on the five minutes before ``breach_s``, at which
    opening ``more`` stations still holds the target; opening now is known to hold it."""
    start = trials.start_s
    times = [start] + [t for t in range((start // STEP_S + 1) * STEP_S, DAY_S, STEP_S) if t < breach_s // 60 * 60]
    lo, hi = 0, len(times)  # times[lo] holds; times[hi] (past the end) is taken not to
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if trials.holds(now_open, more, times[mid]):
            lo = mid
        else:
            hi = mid
    return times[lo]


def foresee(backend: Backend, site_id: str) -> dict:
    """The site's foresight now (see the module's docstring); times are the site's own ``HH:MM``."""
    inputs = plan_inputs(backend, site_id)
    fields, based = dict(inputs["plan"]), inputs["based_on"]
    meta = backend.redis.hgetall(SiteKeys(site_id).meta)
    conf = organizer_settings(meta)
    target_s = conf["wait_target_min"] * 60
    now = backend.now_ms()
    timezone = meta.get("timezone", DEFAULT_TIMEZONE)
    callup = fields.pop("arrivals", None)
    pace = 0.0 if callup is not None else arrival_pace(backend, site_id, now, timezone)
    start_s = _seconds(fields["start"])
    slots, end_s = _arrivals(start_s, conf["closes"], pace, callup)
    fields.update(arrivals=slots, seed=SEED)
    now_open, waiting = based["stations_open"], based["waiting"]
    answer = {"status": "ok", "at": fields["start"], "until": clock(end_s) if end_s < DAY_S else "24:00",
              "target_s": target_s, "stations_open": now_open, "stations": now_open, "waiting": waiting,
              "arrivals_per_hour": pace if callup is None else None,
              "arrivals": "measured" if callup is None else based.get("arrivals", "callup"),
              "service_s": based["service_s"], "service": based["service"], "p90_s": None, "worst_p90_s": None}
    if not waiting and not slots:
        return answer  # nobody waits and nobody is expected: nothing to wait for
    if based["service"] != "measured":  # the pace before ten gaps between samples is the default's
        return {**answer, "status": "unknown", "reason": "no_pace"}
    trials = _Trials(fields, start_s, target_s)
    if now_open:
        result = trials.run(now_open)
        p90s = [b["p90_wait_s"] for b in result["buckets"] if b["p90_wait_s"] is not None]
        answer.update(p90_s=result["wait"]["p90_s"], worst_p90_s=max(p90s, default=None))
        breach_s = trials.breach(result)
        if breach_s is None:
            return answer
    else:
        breach_s = start_s + target_s  # nobody is called: the first in line reaches the target
    # Stations that keep up with the arrivals and empty today's queue within the target.
    service_s = fields.get("service_s") or 1.0
    busy = (max((slot["per_hour"] for slot in slots), default=0) * service_s / 3600
            + waiting * service_s / max(target_s, 60))
    more = _least_more(trials, now_open, math.ceil(busy) - now_open)
    answer.update(status="act", breach_at=clock(breach_s))
    if more is None:  # no station count the planner may try holds it: open all that can be, now
        return {**answer, "more": None, "stations": None, "open_by": fields["start"], "open_now": True}
    open_s = _latest_opening(trials, now_open, more, breach_s)
    return {**answer, "more": more, "stations": now_open + more, "open_by": clock(open_s),
            "open_now": open_s == start_s}


def refresh_ms(store: dict) -> float:
    """How long a site's foresight is kept while nothing that changes it at once changed:
    ``CACHE_MS``, or longer when recomputing every cached site that often would take more than
    ``BUDGET`` of the process (from the plans' measured durations), up to ``MAX_CACHE_MS``."""
    sites = len(store) - ("_cost_ms" in store)  # site ids have no '_': the one other entry
    return max(CACHE_MS, min(MAX_CACHE_MS, sites * store.get("_cost_ms", 0.0) / BUDGET))


def cached(backend: Backend, site_id: str, fingerprint, now_ms: int) -> dict:
    """``foresee``'s answer, recomputed only when ``refresh_ms`` has passed on the backend's clock
    or ``fingerprint`` (what the caller knows changes the answer at once: the stations' states,
    the settings) differs from the last computation's. The cache lives on the backend: one per
    process and Redis, never shared between tests."""
    store = backend.memo.setdefault("foresight", {})
    hit = store.get(site_id)
    if hit is not None and hit[0] == fingerprint and 0 <= now_ms - hit[1] < refresh_ms(store):
        return hit[2]
    started = time.perf_counter()
    answer = foresee(backend, site_id)
    spent_ms = (time.perf_counter() - started) * 1000
    # A moving average of what one site's plan costs in this process.
    store["_cost_ms"] = spent_ms if "_cost_ms" not in store else 0.8 * store["_cost_ms"] + 0.2 * spent_ms
    store[site_id] = (fingerprint, now_ms, answer)
    return answer
