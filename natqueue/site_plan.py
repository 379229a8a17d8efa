"""A site's own figures as a plan's inputs: its measured pace, its queue, its clock.

The planner (``natqueue.planner``) knows nothing of Redis; this module reads
what it needs from a live site, through the site's own domain functions, and
hands back plain plan fields. The service time is the site's measured one:
the gaps between one sample and the next at each pooled station over the last
two hours (a gap over ten minutes is a break, not a swab), resampled as they
are. A gap includes any moment the station waited for someone, so on a quiet
morning it reads slower than the swab itself: the plan errs towards more
stations. With too few gaps the site's pace (what phones' estimates use) is
the mean, and before any sample the default seconds per person.
"""

from natqueue.community.callup import arrival_forecast
from natqueue.figures.arithmetic import DAY_MS, tz_offset_ms
from natqueue.keys import SiteKeys
from natqueue.sites.registry import get_site
from natqueue.sites.settings import workflow_settings
from natqueue.sites.stations import station_modes
from natqueue.store.backend import Backend
from natqueue.tickets.views import single_waiting

#: How far back the gaps between samples are read.
GAP_WINDOW_MS = 2 * 3600 * 1000
#: A longer gap is a break (meal, disinfection), not a person.
MAX_GAP_MS = 10 * 60 * 1000
#: Fewer gaps than this and the distribution is not trusted: the pace's mean is used instead.
MIN_GAPS = 10
#: Samples read per station (the newest).
MAX_READ = 1000


#: Gaps handed to the planner: the newest, so the distribution is this morning's.
MAX_GAPS = 5000


def _gaps(times: list[float]) -> list[tuple[float, float]]:
    """(when, seconds) for each gap between consecutive samples at one station."""
    found = []
    for before, after in zip(times, times[1:], strict=False):
        if 0 < after - before <= MAX_GAP_MS:
            # Two samples marked within 50 ms (a household at one table) would round to 0 s,
            # which no plan accepts: the shortest swab counted is a tenth of a second.
            found.append((after, max(0.1, round((after - before) / 1000, 1))))
    return found


def _minutes(hhmm: str) -> int:
    return 24 * 60 if hhmm == "24:00" else int(hhmm[:2]) * 60 + int(hhmm[3:])


def _from_now(slot: dict, start: str) -> dict:
    """A call-up slot from ``start`` on: the same people, in the time left of it."""
    if slot["from"] >= start:
        return {"from": slot["from"], "to": slot["to"], "per_hour": slot["per_hour"]}
    hours = (_minutes(slot["to"]) - _minutes(start)) / 60
    return {"from": start, "to": slot["to"], "per_hour": round(slot["people"] / hours, 1)}


def plan_inputs(backend: Backend, site_id: str) -> dict:
    """``{"plan": plan fields, "based_on": what they were read from}`` for ``site_id`` now."""
    site = get_site(backend, site_id)
    modes = station_modes(backend, site_id)
    conf = workflow_settings(backend, site_id)
    pooled = [s for s in site["stations"] if modes.get(s["number"]) != "single"]
    open_pooled = [s["number"] for s in pooled if s["status"] == "open"]
    now = backend.now_ms()
    keys = SiteKeys(site_id)
    pipe = backend.redis.pipeline(transaction=False)
    for s in pooled:
        pipe.zrevrangebyscore(keys.served_at(s["number"]), now, now - GAP_WINDOW_MS,
                              start=0, num=MAX_READ, withscores=True)
    pipe.zcard(keys.lane("p"))
    found = pipe.execute()
    dated = []
    for samples in found[:-1]:
        dated += _gaps(sorted(score for _, score in samples))
    # The newest ones, sorted by length: the same site state always makes the same plan.
    gaps = sorted(gap for _, gap in sorted(dated)[-MAX_GAPS:])
    priority_waiting = found[-1]
    waiting = site["waiting"] - single_waiting(backend, site_id)  # single tubes: their own stations

    priority_waiting = min(priority_waiting, waiting)
    plan = {"priority_ratio": conf["priority_ratio"],
            "waiting": {"priority": priority_waiting, "regular": waiting - priority_waiting},
            # Who comes next is guessed from who waits now (no count of past joins by lane is
            # kept); it reads a little low, since the priority lane leaves the queue sooner.
            "priority_share": round(priority_waiting / waiting, 3) if waiting else 0.0}
    if len(gaps) >= MIN_GAPS:
        plan["service_samples"] = gaps
        service_s, source = sum(gaps) / len(gaps), "measured"
    elif site["pace_seconds"] is not None and open_pooled:
        service_s, source = site["pace_seconds"] * len(open_pooled), "pace"
    else:
        service_s, source = backend.tuning.default_service_s, "default"
    plan["service_s"] = round(service_s, 1)
    offset = tz_offset_ms(site["timezone"], now)
    seconds = (now + offset) % DAY_MS // 1000
    plan["start"] = f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"
    based_on = {"site": site_id, "start": plan["start"], "waiting": waiting,
                "stations_open": len(open_pooled), "service_s": plan["service_s"],
                "service": source, "gaps": len(gaps)}
    # Who is still to come: the community's call-up, each slot's buildings' people not yet
    # tested (natqueue.community.callup), from now on. A plan's own arrivals replace it. In a
    # slot under way, its people not yet tested come in the time it has left.
    coming = [_from_now(s, plan["start"]) for s in arrival_forecast(backend, site_id) if s["to"] > plan["start"]]
    if coming:
        plan["arrivals"] = coming
        based_on["arrivals"] = "callup"
    return {"plan": plan, "based_on": based_on}
