"""The planning API's answer, shaped as the contract in docs/planner.md says."""

from natqueue.planner.engine import simulate
from natqueue.planner.plan import Plan, PlanError, clean_target, gather, plan_from
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


def plan_request(body: dict, allow_no_arrivals: bool = False) -> tuple[Plan, float | None]:
    """The plan and target of an API request, every bad field named in one ``PlanError``."""
    bad = {}
    plan = gather(bad, plan_from, body, allow_no_arrivals)
    target = gather(bad, clean_target, body.get("target_wait_s"))
    if bad:
        raise PlanError(bad)
    return plan, target
