"""The discrete-event simulation of one sampling site.

People arrive as a Poisson stream whose rate follows the arrival slots, join
the priority or the regular lane, and are called by the first free open
station; the lanes are served at the site's ratio exactly as the queue's own
``choose_lane`` does (P priority calls, then R regular ones, while both
wait). A station that closes or pauses by schedule finishes the person at its
table first. The simulation runs until everyone who arrived has been called.

Why it is written the way it is: a 30-day run is about a million people, so
the loop touches only floats. Stations are interchangeable, so they are a
count (open, busy) and a heap of departure times; each lane is a deque of
arrival times; service times are drawn when a service starts, from their own
random stream, so two plans that differ only in stations see the same people
with the same swabs (the search for the least stations relies on that).
Waits are kept per bucket of the day as a sum, a count and a histogram (to the
second under two hours, to the minute above), which bounds memory whatever
the size of the run.
"""

import heapq
import math
import random
from collections import deque

from natqueue.planner.plan import DAY_S, Plan, clock

INF = math.inf
QUARTER_S = 900
#: After its last day a plan runs at most this many more days to call everyone left waiting.
DRAIN_DAYS = 7
#: Waits are binned by the second below this, by the minute above (bounded histograms).
FINE_S = 7_200


def _bin(wait: float) -> int:
    return int(wait) if wait < FINE_S else FINE_S + int((wait - FINE_S) // 60)


def _bin_value(key: int) -> int:
    return key if key < FINE_S else FINE_S + (key - FINE_S) * 60


def percentile(hist: dict[int, int], count: int, fraction: float) -> int | None:
    """The wait (s) at or under which ``fraction`` of the counted waits fall."""
    if not count:
        return None
    needed, running = fraction * count, 0
    for key in sorted(hist):
        running += hist[key]
        if running >= needed:
            return _bin_value(key)
    return _bin_value(max(hist))


def _segments(slots) -> list[tuple[int, int, float]]:
    """Overlapping slots as disjoint (from_s, to_s, people per second) pieces of one day."""
    cuts = sorted({t for a, b, _ in slots for t in (a, b)})
    found = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        rate = sum(r for s, e, r in slots if s <= a and b <= e) / 3600
        if rate > 0:
            found.append((a, b, rate))
    return found


#: Arrival times are made this many at a time: a list index per person is cheaper than a
#: generator's resume, and a bounded chunk keeps memory flat on a 10-million-person plan.
CHUNK = 4_096


def _arrival_chunks(plan: Plan, rng: random.Random):
    """Every arrival's time (s since the plan's first midnight), in order, in lists; then ``[inf]``."""
    rnd, log = rng.random, math.log
    start = plan.start
    chunk = []
    for day in range(plan.days):
        base = day * DAY_S
        for a, b, rate in _segments(plan.slots):
            end = base + b
            if end <= start:
                continue
            t = max(base + a, start)
            scale = 1.0 / rate
            while True:
                t -= log(1.0 - rnd()) * scale
                if t >= end:
                    break
                chunk.append(t)
                if len(chunk) == CHUNK:
                    yield chunk
                    chunk = []
    if chunk:
        yield chunk
    yield [INF]


def _station_changes(plan: Plan, t0: float):
    """(time, open count): the count at the start, then each change of the schedule after it.

    The first one, at the start itself, is what calls the people already waiting.
    """
    yield t0, _open_at(plan, t0)
    if isinstance(plan.stations, int):
        while True:
            yield INF, plan.stations
    day = 0
    while True:
        for at, count in plan.stations:
            if day * DAY_S + at > t0:
                yield day * DAY_S + at, count
        day += 1


def _open_at(plan: Plan, t: float) -> int:
    if isinstance(plan.stations, int):
        return plan.stations
    tod, found = t % DAY_S, plan.stations[-1][1]
    for at, count in plan.stations:
        if at <= tod:
            found = count
    return found


def _service_draw(plan: Plan, rng: random.Random):
    service = plan.service
    mean = service.mean_s
    if service.kind == "deterministic":
        return lambda: mean
    rnd = rng.random
    if service.kind == "empirical":
        samples, n = service.samples, len(service.samples)
        return lambda: samples[int(rnd() * n)]
    log = math.log
    return lambda: -mean * log(1.0 - rnd())


class Tally:
    """Waits and queue lengths per bucket of the day (by arrival time of day)."""

    def __init__(self, bucket_s: int):
        self.bucket_s = bucket_s
        n = DAY_S // bucket_s
        self.count, self.total = [0] * n, [0.0] * n
        self.hist = [dict() for _ in range(n)]
        self.arrivals, self.queue = [0] * n, [0] * n
        self.max_wait = 0.0
        self.unserved = 0
        self.priority = (0, 0.0)
        #: With a watched wait: per bucket, when each person who waited longer reached it.
        self.over = [[] for _ in range(n)]


def simulate(plan: Plan, bucket_s: int = QUARTER_S, watch_s: float | None = None) -> dict:
    """Run ``plan``; the waits overall and per bucket of the day, and whether it is stable.

    A wait runs from arriving (or from the plan's start, for people already waiting)
    to being called to a station. With ``watch_s``, each bucket also lists ``over``: the
    moments (s since the plan's first midnight, in order) at which each of its people who
    waited longer reached ``watch_s`` of waiting: the dashboard's foresight says from them
    when a wait target is broken, on the clock.
    """
    arrivals_rng = random.Random(f"{plan.seed}:arrivals")
    service_rng = random.Random(f"{plan.seed}:service")
    draw = _service_draw(plan, service_rng)
    share, (ratio_p, ratio_r) = plan.priority_share, plan.priority_ratio
    choose = random.Random(f"{plan.seed}:lanes").random  # the lane mix leaves arrival times alone
    tally = Tally(bucket_s)
    watch = INF if watch_s is None else float(watch_s)
    over = tally.over
    count, total, hist, arrived, queue_at = tally.count, tally.total, tally.hist, tally.arrivals, tally.queue
    pop, push, replace = heapq.heappop, heapq.heappush, heapq.heapreplace

    t0 = float(plan.start)
    plq, rlq = deque([t0] * plan.waiting[0]), deque([t0] * plan.waiting[1])
    departures: list[float] = []
    busy, open_n = 0, 0
    changes = _station_changes(plan, t0)
    tc, next_n = next(changes)
    horizon = (plan.days + DRAIN_DAYS) * DAY_S
    chunks = _arrival_chunks(plan, arrivals_rng)
    chunk = next(chunks)
    ci, cn = 0, len(chunk)
    ta = chunk[0]
    # Queue length at the start of each bucket, from the bucket the plan starts in.
    queue_at[int(t0 % DAY_S) // bucket_s] += len(plq) + len(rlq)
    tq = (t0 // bucket_s + 1) * bucket_s
    last_snapshot = plan.days * DAY_S  # later snapshots would fold into the first day's buckets
    ps = rs = 0  # the current run of priority and regular calls
    max_wait = 0.0
    p_n, p_sum = 0, 0.0  # the priority lane's share of the waits

    while ta < INF or plq or rlq:
        td = departures[0] if departures else INF
        t = ta if ta < td else td
        if tc < t:
            t = tc
        if t > horizon:
            break
        while tq <= t and tq < last_snapshot:
            queue_at[int(tq % DAY_S) // bucket_s] += len(plq) + len(rlq)
            tq += bucket_s
        if t == ta:
            b = int(ta % DAY_S) // bucket_s
            arrived[b] += 1
            lane = plq if share and choose() < share else rlq
            if busy < open_n and not plq and not rlq:
                busy += 1
                push(departures, ta + draw())
                count[b] += 1
                h = hist[b]
                h[0] = h.get(0, 0) + 1
                if lane is plq:
                    p_n += 1
            else:
                lane.append(ta)
            ci += 1
            if ci == cn:
                chunk = next(chunks)
                ci, cn = 0, len(chunk)
            ta = chunk[ci]
            continue
        freed = t == td  # the heap's top is this departure: the next call replaces it
        if freed:
            busy -= 1
        else:
            open_n = next_n
            tc, next_n = next(changes)
        while busy < open_n and (plq or rlq):
            # The site's ratio: priority first unless its run is complete and regulars wait.
            if plq and (not rlq or ps < ratio_p):
                came = plq.popleft()
                ps, rs = min(ps + 1, ratio_p), 0
                p_n += 1
                p_sum += t - came
            else:
                came = rlq.popleft()
                if not plq or rs + 1 >= ratio_r:
                    ps = rs = 0
                else:
                    rs += 1
            busy += 1
            if freed:
                replace(departures, t + draw())
                freed = False
            else:
                push(departures, t + draw())
            wait = t - came
            b = int(came % DAY_S) // bucket_s
            count[b] += 1
            total[b] += wait
            k = int(wait) if wait < FINE_S else FINE_S + int((wait - FINE_S) // 60)
            h = hist[b]
            h[k] = h.get(k, 0) + 1
            if wait > max_wait:
                max_wait = wait
            if wait > watch:
                over[b].append(came + watch)
        if freed:
            pop(departures)
    # Anyone still waiting at the horizon (a schedule that cannot call them all) counts
    # with the wait they have had by then: the figures can only be worse than shown.
    for came in (*plq, *rlq):
        wait = horizon - came
        b = int(came % DAY_S) // bucket_s
        count[b] += 1
        total[b] += wait
        h = hist[b]
        k = _bin(wait)
        h[k] = h.get(k, 0) + 1
        max_wait = max(max_wait, wait)
        if wait > watch:
            over[b].append(came + watch)
    for came in plq:
        p_n, p_sum = p_n + 1, p_sum + horizon - came
    tally.max_wait, tally.unserved = max_wait, len(plq) + len(rlq)
    tally.priority = (p_n, p_sum)
    return _result(plan, tally, watch_s is not None)


def _result(plan: Plan, tally: Tally, watched: bool = False) -> dict:
    n = sum(tally.count)
    merged: dict[int, int] = {}
    for h in tally.hist:
        for k, v in h.items():
            merged[k] = merged.get(k, 0) + v
    capacity = plan.station_seconds_per_day()
    load = plan.arrivals_per_day() * plan.service.mean_s / capacity if capacity else INF
    return {
        "wait": {
            "mean_s": None if not n else round(sum(tally.total) / n, 1),
            "p90_s": percentile(merged, n, 0.9),
            "max_s": None if not n else round(tally.max_wait, 1),
        },
        "buckets": _buckets(plan, tally, watched),
        "stable": load < 1 and not tally.unserved,
        "load": round(load, 3),
        "people": n,
        "unserved": tally.unserved,
        "lanes": _lanes(n, sum(tally.total), tally.priority),
    }


def _lanes(n: int, total: float, priority: tuple[int, float]) -> dict:
    """Mean wait of each lane: what the site's ratio does for the elderly and the sick."""
    p_n, p_sum = priority
    r_n, r_sum = n - p_n, total - p_sum
    return {"priority": {"people": p_n, "mean_s": None if not p_n else round(p_sum / p_n, 1)},
            "regular": {"people": r_n, "mean_s": None if not r_n else round(r_sum / r_n, 1)}}


def _buckets(plan: Plan, tally: Tally, watched: bool = False) -> list[dict]:
    """Every bucket of the day in which anyone arrived or waited, from the plan's start on
    (with a watched wait, each with its ``people`` and their ``over`` moments)."""
    size, days = tally.bucket_s, plan.days
    n = len(tally.count)
    first = int(plan.start % DAY_S) // size
    found = []
    for i in range(n):
        b = (first + i) % n
        if not (tally.arrivals[b] or tally.count[b] or tally.queue[b]):
            continue
        people = tally.count[b]
        arrivals = tally.arrivals[b] if days == 1 else round(tally.arrivals[b] / days, 1)
        found.append({
            "from": clock(b * size),
            "arrivals": arrivals,
            "mean_wait_s": None if not people else round(tally.total[b] / people, 1),
            "p90_wait_s": percentile(tally.hist[b], people, 0.9),
            "queue": tally.queue[b] if days == 1 else round(tally.queue[b] / days, 1),
        })
        if watched:
            found[-1].update(people=people, over=sorted(tally.over[b]))
    return found
