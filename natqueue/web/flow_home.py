"""Home sampling: the list of residents who cannot come, and the home teams' tubes.

A home team (owner ``h<team>``) works like a station: its own open tube, its
medic, the same binding rules when a visit is marked done.
"""

from flask import jsonify, request

from natqueue.sampling import home, tubes
from natqueue.sampling.home import MAX_HOME_TEAM
from natqueue.sites import stations
from natqueue.tickets import lanes
from natqueue.tickets.ids import site_of
from natqueue.validation import clean_name, collect
from natqueue.web import get_backend
from natqueue.web.auth import require_staff
from natqueue.web.broadcast import announce, public_ticket
from natqueue.web.errors import api_blueprint
from natqueue.web.flow import _open, _owner_routes
from natqueue.web.requests import choice, idempotency_key, integer, json_body, person, reason

bp = api_blueprint("flow_home", __name__)


@bp.get("/sites/<site_id>/home")
@require_staff
def home_list(site_id):
    return jsonify({"home": home.home_list(get_backend(), site_id)})


@bp.post("/sites/<site_id>/home")
@require_staff
def home_add(site_id):
    body = json_body()
    data = collect(  # every bad field at once, the person's included
        person=lambda: person(body, "", None, phone_required=False),
        address=lambda: clean_name(body.get("address"), "address", 200),
        reason=lambda: reason(body.get("reason"), "reason"),
        single=lambda: choice(body.get("single"), lanes.SINGLE_REASONS, "single"),
    )
    resident = data["person"]
    single = data["single"] or resident.single  # ``yellow_code: true``, as at a join, means the same
    ticket, event = home.home_add(get_backend(), site_id, resident.name, resident.phone, resident.doc_type,
                                   resident.id_number, data["address"], data["reason"], single,
                                   idempotency_key())
    announce(event, site_id)
    return jsonify(public_ticket(ticket)), 201


@bp.get("/sites/<site_id>/home/<int:team>/tube")
@require_staff
def home_tube_view(site_id, team):
    return jsonify(_owner_routes(site_id, f"h{team}"))


@bp.post("/sites/<site_id>/home/<int:team>/tube")
@require_staff
def home_tube(site_id, team):
    mode = choice(request.args.get("mode") or "pooled", stations.STATION_MODES, "mode")
    return _open(site_id, f"h{team}", mode)


@bp.post("/sites/<site_id>/home/<int:team>/tube/close")
@require_staff
def home_tube_close(site_id, team):
    tube, event = tubes.close_tube(get_backend(), site_id, f"h{team}", idempotency_key())
    announce(event, site_id)
    return jsonify(tube)


@bp.post("/tickets/<ticket_id>/home-done")
@require_staff
def home_done(ticket_id):
    site_id = site_of(ticket_id)
    team = integer(json_body().get("team"), "team", 1, MAX_HOME_TEAM)
    ticket, event = home.home_done(get_backend(), ticket_id, team, idempotency_key())
    announce(event, site_id)
    return jsonify(public_ticket(ticket))


@bp.post("/sites/<site_id>/home/<int:team>/medic")
@require_staff
def home_medic(site_id, team):
    name = clean_name(json_body().get("name"), "name", 40)
    tubes.set_medic(get_backend(), site_id, f"h{team}", name)
    return jsonify({"team": team, "medic": name})
