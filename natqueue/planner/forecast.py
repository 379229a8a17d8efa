"""The planning API's answer, shaped as the contract in docs/planner.md says."""

from natqueue.planner.engine import simulate
from natqueue.planner.plan import Plan
from natqueue.planner.search import stations_needed


def forecast(plan: Plan, target_wait_s: float | None = None) -> dict:
    """``{"wait", "by_15min", "stable"}``, and ``stations_needed`` when a target is given."""
    result = simulate(plan)
    answer = {
        "wait": result["wait"],
        "by_15min": result["buckets"],
        "stable": result["stable"],
        "load": result["load"],
    }
    if result["unserved"]:
        answer["unserved"] = result["unserved"]
    if target_wait_s is not None:
        answer["stations_needed"] = stations_needed(plan, target_wait_s)
    return answer
