"""The least number of stations that keeps nine in ten waits under a target.

A plan's p90 wait does not grow when a station is added: the engine draws the
same people with the same swab times whatever the count (common random
numbers), and with first-come first-served more stations never call anyone
later. So the least count can be bracketed and halved instead of tried one by
one. The search starts from the load at the busiest slot (stations below it
fall behind there), so a handful of runs find it. Each try of a long plan
runs only as many days as fit in ``TRY_ARRIVALS`` people: enough for a steady
p90, and a count whose daily work exceeds its capacity is refused outright
since its waits grow with every extra day.
"""

import math

from natqueue.planner.engine import simulate
from natqueue.planner.plan import MAX_STATIONS, Plan

#: People one try of the search may simulate (the plan's own run may take up to MAX_ARRIVALS).
TRY_ARRIVALS = 1_000_000


def _trial_plan(plan: Plan) -> Plan:
    per_day = plan.arrivals_per_day()
    if per_day * plan.days <= TRY_ARRIVALS:
        return plan
    days = max(1, int(TRY_ARRIVALS // per_day))
    return Plan(plan.stations, plan.service, plan.slots, days, plan.seed, plan.priority_share,
                plan.priority_ratio, plan.waiting, plan.start_s)


def peak_load(plan: Plan) -> float:
    """Stations kept busy by the busiest moment of the arrival curve (erlangs)."""
    cuts = sorted({t for a, b, _ in plan.slots for t in (a, b)})
    rates = [sum(r for s, e, r in plan.slots if s <= a < e) for a in cuts] or [0.0]
    return max(rates) / 3600 * plan.service.mean_s


def stations_needed(plan: Plan, target_wait_s: float, max_stations: int = MAX_STATIONS) -> int | None:
    """Least constant station count whose p90 wait is at most ``target_wait_s``; None above ``max_stations``."""
    trial = _trial_plan(plan)
    several_days = plan.days > 1
    tried: dict[int, bool] = {}

    def meets(c: int) -> bool:
        if c not in tried:
            result = simulate(trial.with_stations(c))
            p90 = result["wait"]["p90_s"] or 0
            tried[c] = p90 <= target_wait_s and (result["stable"] or not several_days)
        return tried[c]

    return least_holding(meets, math.ceil(peak_load(plan)), max_stations)


def least_holding(holds, guess: int, limit: int) -> int | None:
    """The least n in 1..``limit`` for which ``holds(n)``, given that holding never stops as n
    grows (None when even ``limit`` does not). Steps of 1, 2, 4... from ``guess`` bracket the
    answer in a few tries, then halving finds it: each try is a whole simulation."""
    guess = min(max(1, guess), limit)
    if holds(guess):
        hi, step = guess, 1
        while hi - step >= 1 and holds(hi - step):
            hi, step = hi - step, step * 2
        lo = max(0, hi - step)  # fails (or is 0)
    else:
        lo, step = guess, 1
        while True:
            if lo >= limit:
                return None
            hi = min(lo + step, limit)
            if holds(hi):
                break
            lo, step = hi, step * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if holds(mid):
            hi = mid
        else:
            lo = mid
    return hi
