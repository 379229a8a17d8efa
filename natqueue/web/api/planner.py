"""Planning for organizers: ``POST /api/v1/plan`` and ``POST /api/v1/plan/round`` (the what-if
page, ``/organizer/plan``, is in ``pages/organizer.py``).

The views only read the request, hand plain data to ``natqueue.planner`` (or,
for a live site, to ``natqueue.site_plan`` first) and answer. A simulation is
CPU work with no I/O: run on the serving greenlet it would hold every phone's
request until it ends (measured: a 2-million-person plan froze every other
request for 13.6 s). So under gevent it runs in a small thread pool, and the
loop keeps serving meanwhile, since the GIL is handed back every few
milliseconds (bench/plan_serving.py; the figures are in docs/planner.md). A
plan's size is bounded before it starts (``MAX_DAYS``, ``MAX_ARRIVALS``), and
so is each try of the search for the least stations.
"""

from flask import Blueprint, jsonify
from flask_babel import lazy_gettext as _l

from natqueue import planner, site_plan
from natqueue.validation import SITE_ID
from natqueue.web import get_backend
from natqueue.web.auth import require_organizer
from natqueue.web.errors import api_error, invalid_fields
from natqueue.web.requests import json_body

bp = Blueprint("planner", __name__)


@bp.errorhandler(planner.PlanError)
def _refused(exc: planner.PlanError):
    if "too_large" in exc.fields.values():
        return api_error(400, "plan_too_large", _l("This plan is too large to simulate: at most %(days)s days "
                                                   "and %(people)s million people.", days=planner.MAX_DAYS,
                                                   people=planner.MAX_ARRIVALS // 10**6), fields=exc.fields)
    return invalid_fields(exc)


#: What a site's own figures decide in a plan made with ``"site"``: the request's are ignored.
#: (The rest, such as ``priority_share``, the request may still set.)
_FROM_SITE = ("service_s", "service_dist", "service_samples", "waiting", "start", "priority_ratio")


#: Plans simulated at once per process; more wait their turn (their greenlets, not the loop).
PLAN_THREADS = 2
_pool = None


def off_loop(fn, *args):
    """``fn(*args)`` in the planner's own thread pool when serving under gevent, else right here.

    A pool of its own, and a small one: each busy thread competes with the serving loop
    for the GIL, so two long plans slow the loop a little and ten would slow it a lot.
    """
    global _pool
    from gevent import monkey

    if not monkey.is_module_patched("socket"):  # tests and the CLI: no loop to keep free
        return fn(*args)
    if _pool is None:
        from gevent.threadpool import ThreadPool

        _pool = ThreadPool(PLAN_THREADS)
    return _pool.apply(fn, args)


@bp.post("/plan")
@require_organizer
def plan():
    """Waits for a plan; with ``site``, from that site's measured pace and queue now."""
    body = json_body()
    based_on = None
    if "site" in body:
        site_id = body["site"]
        if not isinstance(site_id, str) or not SITE_ID.match(site_id):
            raise planner.PlanError({"site": "format"})
        found = site_plan.plan_inputs(get_backend(), site_id)
        based_on = found["based_on"]
        if "arrivals" in body:  # the plan's own arrivals, not the call-up's
            based_on.pop("arrivals", None)
        body = {**found["plan"], **{k: v for k, v in body.items() if k not in _FROM_SITE}}
        if "stations" not in body:
            if not based_on["stations_open"]:
                raise planner.PlanError({"stations": "no_station_open"})
            body["stations"] = based_on["stations_open"]
    the_plan, target = planner.plan_request(body, allow_no_arrivals=based_on is not None)
    answer = off_loop(planner.forecast, the_plan, target)
    if based_on is not None:
        answer["based_on"] = based_on
    return jsonify(answer)


@bp.post("/plan/round")
@require_organizer
def plan_round():
    """The what-if page's figures: a round's waits and staff by hour."""
    return jsonify(off_loop(planner.plan_round, json_body()))
