"""Staff needed by role, from stations open and the site's staffing standard.

The standard is per station (1 medic, 2 cadres, 2 entry workers and 2 order
workers by default: the 1+2+4 layout), so the staff an hour needs is the
stations open that hour times the standard, role by role.
"""

from natqueue.planner.plan import DAY_S, Plan, clock

ROLES = ("medic", "cadre", "worker_entry", "worker_order")
#: Mirrors the dashboard's default (natqueue.figures.arithmetic.DEFAULT_STANDARD); kept here so the
#: planner stays a package of its own.
DEFAULT_STANDARD = {"medic": 1, "cadre": 2, "worker_entry": 2, "worker_order": 2}


def staff_for(stations: int, standard: dict[str, int] | None = None) -> dict[str, int]:
    """People by role (and ``total``) for ``stations`` stations."""
    standard = standard or DEFAULT_STANDARD
    found = {role: stations * int(standard.get(role, 0)) for role in ROLES}
    found["total"] = sum(found.values())
    return found


def stations_by_hour(plan: Plan, hours: list[int]) -> dict[int, int]:
    """Most stations open at any moment of each hour (hours as seconds of the day)."""
    if isinstance(plan.stations, int):
        return {h: plan.stations for h in hours}
    found = {}
    for h in hours:
        inside = [count for at, count in plan.stations if h <= at < h + 3600]
        before = [count for at, count in plan.stations if at <= h] or [plan.stations[-1][1]]
        found[h] = max([before[-1], *inside])
    return found


def staff_by_hour(plan: Plan, hours: list[int], standard: dict[str, int] | None = None) -> list[dict]:
    """For each hour: its stations and the staff they need by role."""
    return [{"from": clock(h), "stations": n, "staff": staff_for(n, standard)}
            for h, n in stations_by_hour(plan, [h % DAY_S for h in hours]).items()]
