"""Foresight for a sampling site: how long people will wait, and how many stations keep it short.

A pure package (standard library only, no Flask, no Redis): plans in, figures
out. ``plan_from`` checks a plan given as plain data; ``simulate`` runs it;
``forecast`` shapes the planning API's answer; ``stations_needed`` finds the
least stations for a target wait; ``erlang_c_mean_wait`` is the theory it is
checked against; ``plan_round`` and ``staff_for`` serve the what-if page.
See docs/planner.md.
"""

from natqueue.planner.engine import simulate
from natqueue.planner.forecast import forecast, plan_request
from natqueue.planner.plan import (
    MAX_ARRIVALS,
    MAX_DAYS,
    MAX_STATIONS,
    Plan,
    PlanError,
    Service,
    clean_target,
    plan_from,
)
from natqueue.planner.rounds import plan_round
from natqueue.planner.search import stations_needed
from natqueue.planner.staffing import DEFAULT_STANDARD, ROLES, staff_by_hour, staff_for
from natqueue.planner.theory import erlang_c, erlang_c_mean_wait

__all__ = [
    "DEFAULT_STANDARD", "MAX_ARRIVALS", "MAX_DAYS", "MAX_STATIONS", "ROLES", "Plan", "PlanError", "Service",
    "clean_target", "erlang_c", "erlang_c_mean_wait", "forecast", "plan_from", "plan_request", "plan_round", "simulate",
    "staff_by_hour", "staff_for", "stations_needed",
]
