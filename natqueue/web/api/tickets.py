"""Tickets: joining (one person or a household), getting one back on a new phone, reading and
cancelling one, every move staff make on it (called ones checked in, sampled, marked no-show,
no-shows brought back; scans, walk-ins, flags, samples moved or voided) and the QR code its
holder shows.

Every answer masks ID numbers and phones. A change is announced once: one site event to the
site's room and the ticket's new state to its holder (``broadcast``).
"""

from flask import Blueprint, Response, current_app, jsonify, request
from flask_babel import lazy_gettext as _l

from natqueue import qr
from natqueue.sampling import tubes
from natqueue.sites import registry, settings
from natqueue.store.backend import QueueError
from natqueue.tickets import ids, joining, lanes, moves, recovery, scan, views
from natqueue.validation import Invalid, clean_tube_code, collect
from natqueue.web import get_backend
from natqueue.web.auth import check_staff, require_staff
from natqueue.web.broadcast import announce, public_ticket
from natqueue.web.clients import client_address
from natqueue.web.errors import api_error
from natqueue.web.requests import (
    actor,
    choice,
    holder_token,
    idempotency_key,
    identity,
    integer,
    json_body,
    optional_body,
    person,
    reason,
    secret,
    ticket_of_code,
    with_code,
)

bp = Blueprint("tickets", __name__)


# --- residents ---------------------------------------------------------------------------


def _join_limits() -> joining.JoinLimits:
    """A resident's join: bounded per client address and per site (settings NATQ_JOINS_*)."""
    conf = current_app.config
    return joining.JoinLimits(client_address(), conf["NATQ_JOINS_PER_ADDRESS"], joining.JOINS_ADDRESS_WINDOW_S,
                              conf["NATQ_JOINS_PER_SITE"], joining.JOINS_SITE_WINDOW_S)


@bp.post("/sites/<site_id>/tickets")
def join(site_id):
    """One person: ``{name, phone, id_number}`` (a resident ID), optional ``doc_type``,
    ``priority`` (declared), ``yellow_code``; or a household: ``{"phone", "people": [...]}``."""
    backend = get_backend()
    body = json_body()
    if "people" not in body:
        found, event = joining.join_people(backend, site_id, [person(body)], request_id=idempotency_key(),
                                           limits=_join_limits())
        announce(event, site_id)
        return jsonify(with_code(found[0])), 201
    checked = _household(body, settings.workflow_settings(backend, site_id)["family_max"])
    found, event = joining.join_people(backend, site_id, checked, request_id=idempotency_key(),
                                       limits=_join_limits())
    announce(event, site_id)
    return jsonify({"household": found[0].get("household"), "tickets": [with_code(t) for t in found]}), 201


def _household(body: dict, limit: int) -> list[lanes.Person]:
    """Every member checked at once (``people.2.name``...), each document only once."""
    people = body.get("people")
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
    seen = set()
    for i, p in enumerate(checked):
        if (p.doc_type, p.id_number) in seen:
            raise Invalid({f"people.{i}.id_number": "duplicate"})
        seen.add((p.doc_type, p.id_number))
    return checked


@bp.get("/ticket-codes/<code>.svg")
def ticket_qr(code):
    """The QR code a resident shows. Its URL is the code itself (ticket id + keyed check): it
    shows nothing the code does not, and puts no holder token in a URL (or a server log)."""
    if ticket_of_code(code) is None:
        raise QueueError("unknown_code")
    return Response(qr.svg(code), mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=86400"})


@bp.post("/sites/<site_id>/tickets/recover")
def recover(site_id):
    """``{"id_number", "phone", "doc_type"?}``: the person's live ticket on this phone, with a new
    token (the old one stops working); one 404 for every mismatch (``tickets/recovery.py``)."""
    doc_type, id_number, phone = identity(json_body())
    ticket = recovery.recover(get_backend(), site_id, doc_type, id_number, phone, client_address(),
                              idempotency_key())
    return jsonify(with_code(ticket))


@bp.get("/tickets/<ticket_id>")
def get_ticket(ticket_id):
    """The holder (its token) and staff see the whole ticket, the holder with its code; anyone
    else with its link (a forwarded page) sees where it stands and nothing of the person
    (``views.watcher_view``). A wrong token is refused."""
    backend = get_backend()
    site_id = ids.site_of(ticket_id)
    token = holder_token()
    if token is None:
        ticket = views.get_ticket(backend, ticket_id)
        return jsonify(ticket if check_staff(site_id) is None else views.watcher_view(ticket))
    views.check_holder(backend, ticket_id, token)
    return jsonify(with_code(public_ticket(views.get_ticket(backend, ticket_id))))


@bp.delete("/tickets/<ticket_id>")
def cancel_ticket(ticket_id):
    backend = get_backend()
    site_id = ids.site_of(ticket_id)
    token = holder_token()
    if token is None:
        refused = check_staff(site_id)
        if refused is not None:
            return api_error(403, "forbidden", _l("Only the ticket's holder or station staff may cancel it."))
    else:
        views.check_holder(backend, ticket_id, token)
    ticket, event = moves.transition(backend, ticket_id, "cancel", idempotency_key(), holder_token=token)
    announce(event, site_id, ticket)
    return jsonify(public_ticket(ticket))


# --- staff moves -----------------------------------------------------------------------


@bp.post("/tickets/<ticket_id>/return")
@require_staff
def return_no_show(ticket_id):
    """A no-show who turns up within the site's window, called again at the station that passed them."""
    ticket, event = moves.return_no_show(get_backend(), ticket_id, idempotency_key())
    announce(event, ids.site_of(ticket_id), ticket)
    return jsonify(ticket)


_STAFF_MOVES = {"recall": "recall", "check-in": "check_in", "no-show": "no_show", "sampled": "sampled"}


@bp.post("/tickets/<ticket_id>/<move>")
def staff_move(ticket_id, move):
    op = _STAFF_MOVES.get(move)
    if op is None:
        return api_error(404, "not_found", _l("Not found."))
    site_id = ids.site_of(ticket_id)
    refused = check_staff(site_id)
    if refused is not None:
        return refused
    if op == "check_in":
        ticket, event = scan.check_in(get_backend(), ticket_id, _station_named(), idempotency_key())
    else:
        expect_tube = _expected_tube() if op == "sampled" else None
        ticket, event = moves.transition(get_backend(), ticket_id, op, idempotency_key(), expect_tube=expect_tube)
    announce(event, site_id, ticket)
    return jsonify(ticket)


def _station_named() -> int | None:
    """``{"station": n}`` on an arrival marked by hand: the scan's rules hold for that station."""
    station = optional_body().get("station")
    return None if station is None else integer(station, "station", 1, registry.MAX_STATIONS)


def _expected_tube() -> str | None:
    """``{"tube": code | null}`` on a sampled mark sent late: the tube open when it was made."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "tube" not in body:
        return None
    tube = body["tube"]
    if tube is None:
        return "-"
    return clean_tube_code(tube, "tube_code_or_null")


@bp.post("/sites/<site_id>/stations/<int:number>/scan")
@require_staff
def scan_code(site_id, number):
    """One field for the scanner: a tube barcode opens a tube; a resident's code (or ID card
    number) checks their ticket in at this station (``tickets.scan``)."""
    code = json_body().get("code")
    if not isinstance(code, str) or not code.strip() or len(code) > 200:
        raise Invalid({"code": "required"})
    answer, event, ticket = scan.scan(get_backend(), secret(), site_id, number, code.strip(), idempotency_key())
    announce(event, site_id, ticket)
    return jsonify(answer)


@bp.post("/sites/<site_id>/stations/<int:number>/walk-in")
@require_staff
def walk_in(site_id, number):
    """A ticket for someone without a phone, issued at the table; same queue, same rules."""
    body = json_body()
    walker = person(body, phone_required=False)
    walker.priority = choice(body.get("priority"), lanes.PRIORITY_REASONS, "priority")
    walker.declared = ""
    # ``single`` names the reason; ``yellow_code: true`` (the join's field) means the same.
    walker.single = choice(body.get("single"), lanes.SINGLE_REASONS, "single") or walker.single
    found, event = joining.join_people(get_backend(), site_id, [walker], request_id=idempotency_key(),
                                       walk_in=True)
    announce(event, site_id)
    return jsonify(public_ticket(found[0])), 201


@bp.post("/tickets/<ticket_id>/flags")
@require_staff
def flags(ticket_id):
    """Staff confirm or set priority (with its reason) and the single-tube mark; ``""`` clears."""
    body = json_body()
    data = collect(
        priority=lambda: None if "priority" not in body
        else choice(body["priority"], lanes.PRIORITY_REASONS, "priority"),
        single=lambda: None if "single" not in body
        else choice(body["single"], lanes.SINGLE_REASONS, "single"),
    )
    ticket, event = moves.set_flags(get_backend(), ticket_id, data["priority"], data["single"], idempotency_key())
    announce(event, ids.site_of(ticket_id), ticket)
    return jsonify(ticket)


@bp.post("/tickets/<ticket_id>/move")
@require_staff
def move(ticket_id):
    """A sample put in the wrong tube goes to another open tube of the site."""
    code = clean_tube_code(json_body().get("tube"), "required")
    ticket, event = tubes.move_sample(get_backend(), ticket_id, code, idempotency_key())
    announce(event, ids.site_of(ticket_id))
    return jsonify(ticket)


@bp.post("/tickets/<ticket_id>/void")
@require_staff
def void(ticket_id):
    why = reason(json_body().get("reason"))
    ticket, event = tubes.void_sample(get_backend(), ticket_id, why, actor(), idempotency_key())
    announce(event, ids.site_of(ticket_id))
    return jsonify(ticket)
