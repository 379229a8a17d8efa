"""Planning a round of sampling: the what-if form's arithmetic.

An organizer knows how many residents must be sampled, at how many points,
during which hours, and with how many stations a point. Residents are taken
to come evenly over the hours (a call-up by building spreads them so), split
evenly between the points. Each point is simulated alone; the answer gives,
hour by hour, the waits and the staff the stations need by role, plus the
least stations that keep nine in ten waits under the target, and the national
guideline (one station per 600 to 800 residents) for comparison.
"""

import math

from natqueue.planner.engine import simulate
from natqueue.planner.plan import MAX_ARRIVALS, MAX_STATIONS, PlanError, clock, gather, plan_from
from natqueue.planner.search import stations_needed
from natqueue.planner.staffing import ROLES, staff_by_hour, staff_for

#: The seeds' figures: about 27 s a swab, and one station per 600 to 800 residents.
SWAB_S = 27.0
GUIDELINE_RESIDENTS = (600, 800)
TARGET_WAIT_S = 1800.0
MAX_POINTS = 1_000


def _int(form: dict, name: str, low: int, high: int, default=None) -> int:
    value = form.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PlanError({name: f"integer_{low}_to_{high}"})
    return value


def _standard(value) -> dict[str, int]:
    if value is None:
        return {}
    if not isinstance(value, dict) or set(value) - set(ROLES):
        raise PlanError({"standard": "roles_" + "|".join(ROLES)})
    found = {}
    for role in ROLES:
        n = value.get(role, 0)
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= 20:
            raise PlanError({f"standard.{role}": "integer_0_to_20"})
        found[role] = n
    return found


def plan_round(form: dict) -> dict:
    """What-if for one round: ``residents``, ``points``, ``stations`` (a point), ``from``/``to``
    (HH:MM), and optionally ``service_s``, ``standard``, ``target_wait_s``, ``seed``."""
    bad = {}
    checked = {}
    for name, low, high, default in (("residents", 1, MAX_ARRIVALS, None), ("points", 1, MAX_POINTS, 1),
                                     ("stations", 1, MAX_STATIONS, None), ("seed", 0, 2**31, 0)):
        checked[name] = gather(bad, _int, form, name, low, high, default)
    standard = gather(bad, _standard, form.get("standard"))
    target = form.get("target_wait_s", TARGET_WAIT_S)
    if isinstance(target, bool) or not isinstance(target, int | float) or not 0 <= target <= 86_400:
        bad["target_wait_s"] = "seconds_0_to_86400"
    if bad:
        raise PlanError(bad)
    residents, points = checked["residents"], checked["points"]
    per_point = residents / points
    slot = {"from": form.get("from"), "to": form.get("to"), "per_hour": 0}
    try:
        plan = plan_from({"stations": checked["stations"], "service_s": form.get("service_s", SWAB_S),
                          "arrivals": [slot], "seed": checked["seed"]})
    except PlanError as exc:  # name the form's own fields, not the API's
        raise PlanError({k.replace("arrivals[0].", "").replace("arrivals[0]", "to"): v
                         for k, v in exc.fields.items()}) from None
    start, end, _ = plan.slots[0]
    rate = per_point / ((end - start) / 3600)
    plan = plan_from({"stations": checked["stations"], "service_s": plan.service.mean_s,
                      "arrivals": [{"from": clock(start), "to": form["to"], "per_hour": rate}],
                      "seed": checked["seed"]})
    result = simulate(plan, bucket_s=3600)
    staffed = {row["from"]: row for row in staff_by_hour(plan, list(range(0, 86_400, 3600)), standard)}
    by_hour = []
    for row in result["buckets"]:
        by_hour.append({**row, "stations": staffed[row["from"]]["stations"], "staff": staffed[row["from"]]["staff"]})
    needed = stations_needed(plan, float(target))
    low, high = GUIDELINE_RESIDENTS
    return {
        "per_point": {"residents": round(per_point, 1), "per_hour": round(rate, 1),
                      "stations": checked["stations"],
                      "residents_per_station": round(per_point / checked["stations"], 1)},
        "wait": result["wait"],
        "stable": result["stable"],
        "by_hour": by_hour,
        "target_wait_s": float(target),
        "stations_needed": needed,
        "guideline_stations": [math.ceil(per_point / high), math.ceil(per_point / low)],
        "staff_per_point": staff_for(checked["stations"], standard),
        "staff_all_points": staff_for(checked["stations"] * points, standard),
        "staff_needed_all_points": None if needed is None else staff_for(needed * points, standard),
    }
