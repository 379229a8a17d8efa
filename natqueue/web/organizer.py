"""The organizer's side: live figures, rosters, alerts, and site administration.

API under ``/api/v1`` (JSON, the same error shape as ``api.py``) and the
pages ``/dashboard`` and ``/organizer/sites``. Views stay thin: validate,
call the domain, tell the dashboards.
"""

from flask import g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l

from natqueue.figures import alerts, arithmetic
from natqueue.figures import dashboard as site_figures
from natqueue.sites import registry, settings, staffing
from natqueue.store.backend import QueueError
from natqueue.validation import Invalid, clean_name, collect
from natqueue.web import get_backend
from natqueue.web.auth import is_organizer, require_organizer, require_staff
from natqueue.web.errors import api_blueprint
from natqueue.web.push import site_changed
from natqueue.web.requests import idempotency_key, integer, json_body, public_url, timezone

bp = api_blueprint("organizer", __name__, url_prefix=None)



# --- figures and alerts ------------------------------------------------------------


@bp.get("/api/v1/sites/<site_id>/stats")
@require_organizer
def site_stats(site_id):
    return jsonify(site_figures.site_stats(get_backend(), site_id))


@bp.get("/api/v1/stats")
@require_organizer
def all_stats():
    """Every site, the most crowded first (congested, busy, flowing; then longest estimate)."""
    backend = get_backend()
    found = [site_figures.site_stats(backend, s) for s in registry.list_site_ids(backend)]
    return jsonify({"sites": site_figures.most_crowded_first(found)})


@bp.post("/api/v1/sites/<site_id>/alerts/<alert_id>/ack")
@require_organizer
def acknowledge(site_id, alert_id):
    if not alerts.acknowledge(get_backend(), site_id, alert_id, g.actor):
        raise QueueError("alert_not_found", alert_id)
    site_changed(site_id)
    return jsonify({"ok": True})


# --- rosters ---------------------------------------------------------------------------


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


@bp.route("/api/v1/sites/<site_id>/stations/<int:number>/roster", methods=["GET", "PUT"])
@require_staff
def station_roster(site_id, number):
    backend = get_backend()
    if request.method == "GET":
        return jsonify(staffing.get_roster(backend, site_id, number))
    people = _people(json_body().get("people"))
    request_id = idempotency_key()
    found = staffing.put_roster(backend, site_id, number, people, g.actor, request_id)
    site_changed(site_id)
    return jsonify(found)


# --- site administration -------------------------------------------------------------


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
}


@bp.patch("/api/v1/sites/<site_id>")
@require_organizer
def update_site(site_id):
    """Change any of a site's settings, or add stations (``stations``: the new count)."""
    body = json_body()
    unknown = set(body) - set(_SETTINGS) - {"stations"}
    if unknown:
        raise Invalid({name: "unknown" for name in unknown})
    checks = {name: (lambda name=name: _SETTINGS[name](body[name])) for name in body if name in _SETTINGS}
    if "stations" in body:
        checks["stations"] = lambda: integer(body["stations"], "stations", 1, registry.MAX_STATIONS)
    data = collect(**checks)
    backend = get_backend()
    meta = settings.read_meta(backend, site_id)
    conf = {**settings.organizer_settings(meta), **data}
    if conf["band_congested_min"] <= conf["band_busy_min"]:
        raise Invalid({"band_congested_min": "above_band_busy_min"})
    count = data.pop("stations", None)
    settings.update_site(backend, site_id, data, stations=count)
    site_changed(site_id)
    site = registry.get_site(backend, site_id)
    site["settings"] = settings.organizer_settings(settings.read_meta(backend, site_id))
    site["join_url"] = public_url(f"/s/{site_id}")
    return jsonify(site)


@bp.get("/api/v1/sites/<site_id>/settings")
@require_organizer
def site_settings(site_id):
    return jsonify(settings.organizer_settings(settings.read_meta(get_backend(), site_id)))


# --- pages -------------------------------------------------------------------------------


def _sign_in_page(title):
    return render_template("organizer_signin.html", title=title), 401


@bp.get("/dashboard")
def dashboard():
    if not is_organizer():
        return _sign_in_page(_l("Dashboard"))
    site_ids = request.args.getlist("site") or None
    return render_template("dashboard.html", site_ids=site_ids, roles=arithmetic.ROLES)


@bp.get("/organizer/sites")
def admin_sites():
    if not is_organizer():
        return _sign_in_page(_l("Sites"))
    backend = get_backend()
    found = site_figures.most_crowded_first([site_figures.site_stats(backend, s, sync_alerts=False)
                          for s in registry.list_site_ids(backend)])
    return render_template("admin_sites.html", sites=found)


@bp.get("/organizer/sites/<site_id>")
def admin_site(site_id):
    if not is_organizer():
        return _sign_in_page(_l("Sites"))
    backend = get_backend()
    try:
        site = registry.get_site(backend, site_id)
        conf = settings.organizer_settings(settings.read_meta(backend, site_id))
    except QueueError:
        return render_template("404.html"), 404
    return render_template("admin_site.html", site=site, conf=conf, roles=arithmetic.ROLES,
                           join_url=public_url(f"/s/{site_id}"))
