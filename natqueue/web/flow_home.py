"""Home sampling: the list of residents who cannot come, and the home teams' tubes.

A home team (owner ``h<team>``) works like a station: its own open tube, its
medic, the same binding rules when a visit is marked done.
"""

from flask import Blueprint, jsonify, request

from natqueue import tubes, workflow
from natqueue.backend import QueueError
from natqueue.validation import Invalid, clean_name, collect
from natqueue.web import get_backend
from natqueue.web.broadcast import announce, public_ticket
from natqueue.web.flow import (
    _body,
    _choice,
    _invalid,
    _open,
    _owner_routes,
    _person,
    _queue_error,
    _reason,
    _request_id,
    _staff,
    _ticket_staff,
)

bp = Blueprint("flow_home", __name__, url_prefix="/api/v1")
bp.register_error_handler(QueueError, _queue_error)
bp.register_error_handler(Invalid, _invalid)


@bp.get("/sites/<site_id>/home")
def home_list(site_id):
    refused = _staff(site_id)
    return refused if refused is not None else jsonify({"home": tubes.home_list(get_backend(), site_id)})


@bp.post("/sites/<site_id>/home")
def home_add(site_id):
    refused = _staff(site_id)
    if refused is not None:
        return refused
    body = _body()
    data = collect(  # every bad field at once, the person's included
        person=lambda: _person(body, "", None, phone_required=False),
        address=lambda: clean_name(body.get("address"), "address", 200),
        reason=lambda: _reason(body.get("reason"), "reason"),
        single=lambda: _choice(body.get("single"), workflow.SINGLE_REASONS, "single"),
    )
    person = data["person"]
    ticket, event = tubes.home_add(get_backend(), site_id, person.name, person.phone, person.doc_type,
                                   person.id_number, data["address"], data["reason"], data["single"],
                                   _request_id())
    announce(event, site_id)
    return jsonify(public_ticket(ticket)), 201


@bp.get("/sites/<site_id>/home/<int:team>/tube")
def home_tube_view(site_id, team):
    refused = _staff(site_id)
    return refused if refused is not None else jsonify(_owner_routes(site_id, f"h{team}"))


@bp.post("/sites/<site_id>/home/<int:team>/tube")
def home_tube(site_id, team):
    refused = _staff(site_id)
    if refused is not None:
        return refused
    mode = _choice(request.args.get("mode") or "pooled", workflow.STATION_MODES, "mode")
    return _open(site_id, f"h{team}", mode)


@bp.post("/sites/<site_id>/home/<int:team>/tube/close")
def home_tube_close(site_id, team):
    refused = _staff(site_id)
    if refused is not None:
        return refused
    tube, event = tubes.close_tube(get_backend(), site_id, f"h{team}", _request_id())
    announce(event, site_id)
    return jsonify(tube)


@bp.post("/tickets/<ticket_id>/home-done")
def home_done(ticket_id):
    site_id, refused = _ticket_staff(ticket_id)
    if refused is not None:
        return refused
    team = _body().get("team")
    if isinstance(team, bool) or not isinstance(team, int) or not 1 <= team <= 99:
        raise Invalid({"team": "integer_1_to_99"})
    ticket, event = tubes.home_done(get_backend(), ticket_id, team, _request_id())
    announce(event, site_id)
    return jsonify(public_ticket(ticket))


@bp.post("/sites/<site_id>/home/<int:team>/medic")
def home_medic(site_id, team):
    refused = _staff(site_id)
    if refused is not None:
        return refused
    name = clean_name(_body().get("name"), "name", 40)
    tubes.set_medic(get_backend(), site_id, f"h{team}", name)
    return jsonify({"team": team, "medic": name})
