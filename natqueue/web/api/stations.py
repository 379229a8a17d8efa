"""Stations and home teams at work: the console's view, calling the next person, a station's
status and mode, and the tubes and medic of each tube holder.

A tube is held by an owner: a station (``"3"``) or a home team (``"h2"``). A home team works
like a station (its own open tube, its medic, the same binding rules), so both kinds of
owner are served here by the same two helpers rather than in two modules.
"""

from flask import Blueprint, jsonify, request

from natqueue.sampling import tubes
from natqueue.sites import registry, settings, stations
from natqueue.tickets import moves, views
from natqueue.validation import Invalid, clean_name, plain_tube_code
from natqueue.web import get_backend
from natqueue.web.auth import require_staff
from natqueue.web.broadcast import announce, announce_ticket
from natqueue.web.requests import choice, idempotency_key, json_body

bp = Blueprint("stations", __name__)

#: What a tube holder's console needs of the site's workflow settings.
_TUBE_SETTINGS = ("tube_capacity", "tube_pattern", "require_tube", "round")


# --- the station console -------------------------------------------------------------------


@bp.get("/sites/<site_id>/stations/<int:number>")
@require_staff
def station_view(site_id, number):
    view = views.station_view(get_backend(), site_id, number)
    view["site"] = registry.get_site(get_backend(), site_id)
    return jsonify(view)


@bp.post("/sites/<site_id>/stations/<int:number>/call")
@require_staff
def call_next(site_id, number):
    ticket, event = moves.call_next(get_backend(), site_id, number, idempotency_key())
    announce(event, site_id, ticket)
    for member in (ticket or {}).get("also_called", []):  # a household goes to the same station
        announce_ticket(member)
    return jsonify({"ticket": ticket})


@bp.post("/sites/<site_id>/stations/<int:number>/status")
@require_staff
def station_status(site_id, number):
    body = json_body()
    status = choice(body.get("status"), stations.STATION_STATUSES, "status", empty_ok=False)
    why = body.get("reason") or ""
    if why not in ("", *stations.PAUSE_REASONS):  # why a station pauses: dashboard and calling screen
        raise Invalid({"reason": "unknown"})
    event = stations.set_station_status(get_backend(), site_id, number, status, why)
    announce(event, site_id)
    return jsonify({"station": number, "status": status, "reason": event.get("reason")})


@bp.post("/sites/<site_id>/stations/<int:number>/mode")
@require_staff
def station_mode(site_id, number):
    mode = choice(json_body().get("mode"), stations.STATION_MODES, "mode", empty_ok=False)
    event = stations.set_mode(get_backend(), site_id, number, mode, idempotency_key())
    announce(event, site_id)
    return jsonify({"station": number, "mode": mode})


# --- tubes and medics, for any tube holder --------------------------------------------------


def _holder_view(site_id: str, owner: str) -> dict:
    backend = get_backend()
    view = tubes.owner_view(backend, site_id, owner)
    view["settings"] = {k: v for k, v in settings.workflow_settings(backend, site_id).items() if k in _TUBE_SETTINGS}
    return view


def _open_tube(site_id: str, owner: str, mode: str = ""):
    backend = get_backend()
    code = json_body().get("code")
    code = plain_tube_code(code) if isinstance(code, str) and len(code) <= 200 else ""
    if not tubes.is_tube_code(backend, site_id, code):
        raise Invalid({"code": "format"})
    tube, event = tubes.open_tube(backend, site_id, owner, code, mode, idempotency_key())
    announce(event, site_id)
    return jsonify(tube), 201


def _close_tube(site_id: str, owner: str):
    tube, event = tubes.close_tube(get_backend(), site_id, owner, idempotency_key())
    announce(event, site_id)
    return jsonify(tube)


@bp.get("/sites/<site_id>/stations/<int:number>/tube")
@require_staff
def station_tube(site_id, number):
    backend = get_backend()
    view = _holder_view(site_id, str(number))
    view["mode"] = stations.station_modes(backend, site_id).get(number, "pooled")
    view["declared"] = views.declared(backend, site_id)
    view["single_waiting"] = views.single_waiting(backend, site_id)
    return jsonify(view)


@bp.post("/sites/<site_id>/stations/<int:number>/tube")
@require_staff
def open_station_tube(site_id, number):
    return _open_tube(site_id, str(number))


@bp.post("/sites/<site_id>/stations/<int:number>/tube/close")
@require_staff
def close_station_tube(site_id, number):
    return _close_tube(site_id, str(number))


@bp.post("/sites/<site_id>/stations/<int:number>/medic")
@require_staff
def station_medic(site_id, number):
    name = clean_name(json_body().get("name"), "name", 40)
    tubes.set_medic(get_backend(), site_id, str(number), name)
    return jsonify({"station": number, "medic": name})


@bp.get("/sites/<site_id>/home/<int:team>/tube")
@require_staff
def home_tube_view(site_id, team):
    return jsonify(_holder_view(site_id, f"h{team}"))


@bp.post("/sites/<site_id>/home/<int:team>/tube")
@require_staff
def home_tube(site_id, team):
    mode = choice(request.args.get("mode") or "pooled", stations.STATION_MODES, "mode")
    return _open_tube(site_id, f"h{team}", mode)


@bp.post("/sites/<site_id>/home/<int:team>/tube/close")
@require_staff
def home_tube_close(site_id, team):
    return _close_tube(site_id, f"h{team}")


@bp.post("/sites/<site_id>/home/<int:team>/medic")
@require_staff
def home_medic(site_id, team):
    name = clean_name(json_body().get("name"), "name", 40)
    tubes.set_medic(get_backend(), site_id, f"h{team}", name)
    return jsonify({"team": team, "medic": name})
