"""The sampling workflow's API: households and documents, codes and scans, walk-ins, tubes, home visits.

Views stay thin: check the input, call the domain, announce the change once.
Every answer masks ID numbers and phones; only ``records`` (organizer) unmasks.
"""

from flask import Response, jsonify

from natqueue import qr
from natqueue.sampling import tubes
from natqueue.sites import settings, stations
from natqueue.store.backend import QueueError
from natqueue.tickets import ids, joining, lanes, moves, views
from natqueue.tickets.ids import site_of
from natqueue.tickets.scan import scan as scan_code
from natqueue.validation import Invalid, clean_name, clean_tube_code, collect, plain_tube_code
from natqueue.web import get_backend
from natqueue.web.auth import require_staff
from natqueue.web.broadcast import announce, public_ticket
from natqueue.web.errors import api_blueprint
from natqueue.web.requests import (
    actor,
    choice,
    idempotency_key,
    json_body,
    person,
    reason,
    secret,
    with_code,
)

bp = api_blueprint("flow", __name__)


def announce_ticket(ticket: dict) -> None:
    """A holder's phone hears about a ticket that changed alongside another (a household call)."""
    from natqueue.web import socketio
    from natqueue.web.broadcast import ticket_room

    socketio.emit("ticket", public_ticket(ticket), to=ticket_room(ticket["id"]))


# --- joining: one person or a household ---------------------------------------------


def join_from_body(site_id: str, body: dict):
    """The join endpoint: the core's body ``{name, phone, id_number}`` (a resident ID), optional
    ``doc_type``, ``priority`` (declared), ``yellow_code``; or ``{"phone", "people": [...]}``."""
    backend = get_backend()
    request_id = idempotency_key()
    if "people" not in body:
        one = person(body, "", None)
        found, event = joining.join_people(backend, site_id, [one], request_id=request_id)
        announce(event, site_id)
        return jsonify(with_code(found[0])), 201
    people = body.get("people")
    limit = settings.workflow_settings(backend, site_id)["family_max"]
    if not isinstance(people, list) or not people:
        raise Invalid({"people": "required"})
    if len(people) > limit:
        raise Invalid({"people": f"at_most_{limit}"})
    checked, bad = [], {}
    for i, raw in enumerate(people):
        try:
            checked.append(person(raw, f"people.{i}.", body.get("phone")))
        except Invalid as exc:
            bad.update(exc.fields)
    if bad:
        raise Invalid(bad)
    seen = {}
    for i, p in enumerate(checked):
        key = (p.doc_type, p.id_number)
        if key in seen:
            raise Invalid({f"people.{i}.id_number": "duplicate"})
        seen[key] = i
    found, event = joining.join_people(backend, site_id, checked, request_id=request_id)
    announce(event, site_id)
    return jsonify({"household": found[0].get("household"), "tickets": [with_code(t) for t in found]}), 201


@bp.get("/ticket-codes/<code>.svg")
def ticket_qr(code):
    """The QR code a resident shows. Its URL is the code itself (ticket id + keyed check): it
    shows nothing the code does not, and puts no holder token in a URL (or a server log)."""
    if ids.ticket_from_code(secret(), code) is None:
        raise QueueError("unknown_code")
    return Response(qr.svg(code), mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=86400"})


# --- the station console -------------------------------------------------------------


@bp.post("/sites/<site_id>/stations/<int:number>/scan")
@require_staff
def scan(site_id, number):
    """One field for the scanner: a tube barcode opens a tube; a resident's code (or ID card number)
    checks their ticket in at this station."""
    backend = get_backend()
    code = json_body().get("code")
    if not isinstance(code, str) or not code.strip() or len(code) > 200:
        raise Invalid({"code": "required"})
    answer, event, ticket = scan_code(backend, secret(), site_id, number, code, idempotency_key())
    announce(event, site_id, ticket)
    return jsonify(answer)


@bp.post("/sites/<site_id>/stations/<int:number>/walk-in")
@require_staff
def walk_in(site_id, number):
    """A ticket for someone without a phone, issued at the table; same queue, same rules."""
    body = json_body()
    walker = person(body, "", None, phone_required=False)
    walker.priority = choice(body.get("priority"), lanes.PRIORITY_REASONS, "priority")
    walker.declared = ""
    # ``single`` names the reason; ``yellow_code: true`` (the join's field) means the same.
    walker.single = choice(body.get("single"), lanes.SINGLE_REASONS, "single") or walker.single
    found, event = joining.join_people(get_backend(), site_id, [walker], request_id=idempotency_key(),
                                        walk_in=True)
    announce(event, site_id)
    ticket = public_ticket(found[0])
    return jsonify(ticket), 201


@bp.post("/sites/<site_id>/stations/<int:number>/mode")
@require_staff
def station_mode(site_id, number):
    mode = choice(json_body().get("mode"), stations.STATION_MODES, "mode", empty_ok=False)
    event = stations.set_mode(get_backend(), site_id, number, mode, idempotency_key())
    announce(event, site_id)
    return jsonify({"station": number, "mode": mode})


def _owner_routes(site_id: str, owner: str):
    backend = get_backend()
    view = tubes.owner_view(backend, site_id, owner)
    view["settings"] = {k: v for k, v in settings.workflow_settings(backend, site_id).items()
                        if k in ("tube_capacity", "tube_pattern", "require_tube", "round")}
    return view


@bp.get("/sites/<site_id>/stations/<int:number>/tube")
@require_staff
def station_tube(site_id, number):
    view = _owner_routes(site_id, str(number))
    view["mode"] = stations.station_modes(get_backend(), site_id).get(number, "pooled")
    view["declared"] = views.declared(get_backend(), site_id)
    view["single_waiting"] = views.single_waiting(get_backend(), site_id)
    return jsonify(view)


def _open(site_id: str, owner: str, mode: str = ""):
    backend = get_backend()
    code = json_body().get("code")
    code = plain_tube_code(code) if isinstance(code, str) and len(code) <= 200 else ""
    if not tubes.is_tube_code(backend, site_id, code):
        raise Invalid({"code": "format"})
    tube, event = tubes.open_tube(backend, site_id, owner, code, mode, idempotency_key())
    announce(event, site_id)
    return jsonify(tube), 201


@bp.post("/sites/<site_id>/stations/<int:number>/tube")
@require_staff
def open_station_tube(site_id, number):
    return _open(site_id, str(number))


@bp.post("/sites/<site_id>/stations/<int:number>/tube/close")
@require_staff
def close_station_tube(site_id, number):
    tube, event = tubes.close_tube(get_backend(), site_id, str(number), idempotency_key())
    announce(event, site_id)
    return jsonify(tube)


@bp.post("/sites/<site_id>/stations/<int:number>/medic")
@require_staff
def station_medic(site_id, number):
    name = clean_name(json_body().get("name"), "name", 40)
    tubes.set_medic(get_backend(), site_id, str(number), name)
    return jsonify({"station": number, "medic": name})


@bp.post("/tickets/<ticket_id>/flags")
@require_staff
def flags(ticket_id):
    """Staff confirm or set priority (with its reason) and the single-tube mark; ``""`` clears."""
    site_id = site_of(ticket_id)
    body = json_body()
    data = collect(
        priority=lambda: None if "priority" not in body
        else choice(body["priority"], lanes.PRIORITY_REASONS, "priority"),
        single=lambda: None if "single" not in body
        else choice(body["single"], lanes.SINGLE_REASONS, "single"),
    )
    ticket, event = moves.set_flags(get_backend(), ticket_id, data["priority"], data["single"], idempotency_key())
    announce(event, site_id, ticket)
    return jsonify(ticket)


@bp.post("/tickets/<ticket_id>/move")
@require_staff
def move(ticket_id):
    site_id = site_of(ticket_id)
    code = clean_tube_code(json_body().get("tube"), "required")
    ticket, event = tubes.move_sample(get_backend(), ticket_id, code, idempotency_key())
    announce(event, site_id)
    return jsonify(ticket)


@bp.post("/tickets/<ticket_id>/void")
@require_staff
def void(ticket_id):
    site_id = site_of(ticket_id)
    why = reason(json_body().get("reason"), "reason")
    ticket, event = tubes.void_sample(get_backend(), ticket_id, why, actor(),
                                      idempotency_key())
    announce(event, site_id)
    return jsonify(ticket)
