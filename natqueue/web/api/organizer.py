"""The organizer's API: live figures and alerts, who is on duty at each station, and every
setting of a site (the organizer's: name, hours, bands, shifts, staffing standard; and the
workflow's: lanes' ratio, tubes, households, retention, under ``/workflow``).

Changes here are not queue events: they tell the dashboards (``push.site_changed``).
"""

from flask import Blueprint, g, jsonify, request

from natqueue.figures import alerts, arithmetic
from natqueue.figures import dashboard as site_figures
from natqueue.sites import registry, settings, staffing
from natqueue.store.backend import QueueError
from natqueue.validation import Invalid, clean_name, collect
from natqueue.web import get_backend
from natqueue.web.auth import require_organizer, require_staff
from natqueue.web.push import site_changed
from natqueue.web.requests import boolean, idempotency_key, integer, join_url, json_body, timezone

bp = Blueprint("organizer", __name__)


# --- figures and alerts ------------------------------------------------------------------


@bp.get("/sites/<site_id>/stats")
@require_organizer
def site_stats(site_id):
    return jsonify(site_figures.site_stats(get_backend(), site_id))


@bp.get("/stats")
@require_organizer
def all_stats():
    """Every site, the most crowded first (congested, busy, flowing; then longest estimate)."""
    backend = get_backend()
    found = [site_figures.site_stats(backend, s) for s in registry.list_site_ids(backend)]
    return jsonify({"sites": site_figures.most_crowded_first(found)})


@bp.post("/sites/<site_id>/alerts/<alert_id>/ack")
@require_organizer
def acknowledge(site_id, alert_id):
    if not alerts.acknowledge(get_backend(), site_id, alert_id, g.actor):
        raise QueueError("alert_not_found", alert_id)
    site_changed(site_id)
    return jsonify({"ok": True})


# --- who is on duty ----------------------------------------------------------------------------


def _people(value) -> list[dict]:
    if not isinstance(value, list) or len(value) > staffing.MAX_PEOPLE:
        raise Invalid({"people": f"list_of_up_to_{staffing.MAX_PEOPLE}"})
    people, seen = [], set()
    for i, p in enumerate(value):
        if not isinstance(p, dict):
            raise Invalid({f"people[{i}]": "object_required"})
        name = clean_name(p.get("name"), f"people[{i}].name", 40)
        if "|" in name or name in seen:
            raise Invalid({f"people[{i}].name": "duplicate" if name in seen else "format"})
        if p.get("role") not in arithmetic.ROLES:
            raise Invalid({f"people[{i}].role": "one_of_" + "|".join(arithmetic.ROLES)})
        seen.add(name)
        people.append({"name": name, "role": p["role"]})
    return people


@bp.route("/sites/<site_id>/stations/<int:number>/roster", methods=["GET", "PUT"])
@require_staff
def station_roster(site_id, number):
    backend = get_backend()
    if request.method == "GET":
        return jsonify(staffing.get_roster(backend, site_id, number))
    people = _people(json_body().get("people"))
    found = staffing.put_roster(backend, site_id, number, people, g.actor, idempotency_key())
    site_changed(site_id)
    return jsonify(found)


# --- the organizer's settings --------------------------------------------------------------------


def _hhmm(value, field: str) -> str:
    try:
        arithmetic.parse_hhmm(value if isinstance(value, str) else "")
    except ValueError:
        raise Invalid({field: "hh_mm"}) from None
    return value


def _standard(value) -> dict:
    if not isinstance(value, dict) or set(value) - set(arithmetic.ROLES):
        raise Invalid({"standard": "roles_" + "|".join(arithmetic.ROLES)})
    return {role: integer(value.get(role, 0), f"standard.{role}", 0, 20) for role in arithmetic.ROLES}


_SETTINGS = {
    "name": lambda v: clean_name(v, "name", 60),
    "address": lambda v: "" if not v else clean_name(v, "address", 200),
    "area": lambda v: "" if not v else clean_name(v, "area", 60),
    "timezone": timezone,
    "opens": lambda v: "" if not v else _hhmm(v, "opens"),
    "closes": lambda v: "" if not v else _hhmm(v, "closes"),
    "band_busy_min": lambda v: integer(v, "band_busy_min", 1, 600),
    "band_congested_min": lambda v: integer(v, "band_congested_min", 1, 600),
    "wait_target_min": lambda v: integer(v, "wait_target_min", 1, 600),
    "shift_day_start": lambda v: _hhmm(v, "shift_day_start"),
    "shift_hours": lambda v: integer(v, "shift_hours", 1, 23),
    "standard": _standard,
    "stations": lambda v: integer(v, "stations", 1, registry.MAX_STATIONS),
}


@bp.patch("/sites/<site_id>")
@require_organizer
def update_site(site_id):
    """Change any of a site's settings, or add stations (``stations``: the new count)."""
    body = json_body()
    unknown = set(body) - set(_SETTINGS)
    if unknown:
        raise Invalid({name: "unknown" for name in unknown})
    data = collect(**{name: (lambda name=name: _SETTINGS[name](body[name])) for name in body})
    backend = get_backend()
    conf = {**settings.organizer_settings(settings.read_meta(backend, site_id)), **data}
    if conf["band_congested_min"] <= conf["band_busy_min"]:
        raise Invalid({"band_congested_min": "above_band_busy_min"})
    count = data.pop("stations", None)
    settings.update_site(backend, site_id, data, stations=count)
    site_changed(site_id)
    site = registry.get_site(backend, site_id)
    site["settings"] = settings.organizer_settings(settings.read_meta(backend, site_id))
    site["join_url"] = join_url(site_id)
    return jsonify(site)


@bp.get("/sites/<site_id>/settings")
@require_organizer
def site_settings(site_id):
    return jsonify(settings.organizer_settings(settings.read_meta(get_backend(), site_id)))


# --- the workflow's settings -----------------------------------------------------------------------


def _ratio(value):
    if (not isinstance(value, list) or len(value) != 2
            or any(isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 10 for v in value)):
        raise Invalid({"priority_ratio": "two_integers_1_to_10"})
    return value


def _pattern(value):
    if not isinstance(value, str) or not value or len(value) > 100 or not settings.tube_pattern_ok(value):
        raise Invalid({"tube_pattern": "regex"})
    return value


_WORKFLOW = {
    "priority_ratio": _ratio,
    "tube_capacity": lambda v: integer(v, "tube_capacity", 1, 20, settings.TUBE_CAPACITIES),
    "tube_pattern": _pattern,
    "require_tube": lambda v: boolean(v, "require_tube"),
    "family_max": lambda v: integer(v, "family_max", 1, 8),
    "retention_days": lambda v: integer(v, "retention_days", 1, 365),
    "return_window_min": lambda v: integer(v, "return_window_min", *settings.RETURN_WINDOW_RANGE),
}


@bp.get("/sites/<site_id>/workflow")
@require_staff
def workflow_settings(site_id):
    return jsonify(settings.workflow_settings(get_backend(), site_id))


@bp.patch("/sites/<site_id>/workflow")
@require_organizer
def update_workflow(site_id):
    body = json_body()
    unknown = [k for k in body if k not in _WORKFLOW]
    if unknown:
        raise Invalid({k: "unknown" for k in unknown})
    changes = collect(**{name: (lambda name=name: _WORKFLOW[name](body[name])) for name in body})
    return jsonify(settings.update_settings(get_backend(), site_id, changes))
