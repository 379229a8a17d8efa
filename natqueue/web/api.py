"""The JSON API, ``/api/v1``. Views are thin: check input, call the domain, announce."""

from flask import Response, jsonify, request, url_for
from flask_babel import lazy_gettext as _l

from natqueue import qr
from natqueue.sampling import records
from natqueue.sites import registry, staff_code, stations
from natqueue.store.backend import QueueError
from natqueue.store.feed import EVENT_ID, events_since
from natqueue.tickets import ids, moves, scan, views
from natqueue.validation import (
    Invalid,
    clean_name,
    clean_site_id,
    clean_tube_code,
    collect,
    plain_code,
)
from natqueue.web import get_backend
from natqueue.web.auth import (
    ORGANIZER_COOKIE,
    ORGANIZER_COOKIE_MAX_AGE,
    STAFF_COOKIE,
    STAFF_TOKEN_MAX_AGE,
    check_staff,
    is_organizer_token,
    issue_staff_token,
    require_organizer,
    require_staff,
)
from natqueue.web.broadcast import announce, public_ticket
from natqueue.web.errors import api_blueprint, api_error
from natqueue.web.flow import announce_ticket, join_from_body
from natqueue.web.push import site_added
from natqueue.web.requests import (
    holder_token,
    idempotency_key,
    integer,
    json_body,
    optional_body,
    public_url,
    timezone,
    with_code,
)

bp = api_blueprint("api", __name__)



@bp.errorhandler(404)
def _not_found(_exc):
    return api_error(404, "not_found", _l("Not found."))


@bp.errorhandler(405)
def _method(_exc):
    return api_error(405, "method_not_allowed", _l("Method not allowed."))


# --- sites -------------------------------------------------------------------


@bp.post("/sites")
@require_organizer
def create_site():
    body = json_body()
    data = collect(
        id=lambda: clean_site_id(body.get("id")),
        name=lambda: clean_name(body.get("name"), "name", 60),
        address=lambda: "" if not body.get("address") else clean_name(body.get("address"), "address", 200),
        stations=lambda: integer(body.get("stations"), "stations", 1, registry.MAX_STATIONS),
        timezone=lambda: timezone(body.get("timezone")),
        alert_ahead=lambda: None if body.get("alert_ahead") is None
        else integer(body.get("alert_ahead"), "alert_ahead", 0, 500),
    )
    site = registry.create_site(
        get_backend(), data["id"], data["name"], data["stations"], address=data["address"],
        timezone=data["timezone"], alert_ahead=data["alert_ahead"],
    )
    site["join_url"] = public_url(f"/s/{site['id']}")
    site_added(site["id"])
    return jsonify(site), 201


@bp.get("/sites")
def list_sites():
    backend = get_backend()
    found = [registry.get_site(backend, site_id) for site_id in registry.list_site_ids(backend)]
    return jsonify({"sites": found})


@bp.get("/sites/<site_id>")
def get_site(site_id):
    site = registry.get_site(get_backend(), site_id)
    site["join_url"] = public_url(f"/s/{site_id}")
    return jsonify(site)


@bp.post("/sites/<site_id>/staff-code")
@require_organizer
def rotate_staff_code(site_id):
    return jsonify({"site_id": site_id, "staff_code": staff_code.rotate_staff_code(get_backend(), site_id)})


@bp.get("/sites/<site_id>/staff-code")
@require_organizer
def current_staff_code(site_id):
    """Look the code up again without signing anyone out; audited like an export."""
    backend = get_backend()
    code = staff_code.current_staff_code(backend, site_id)
    if code is None:
        return api_error(404, "not_found", _l("This site's code was set before codes were kept: rotate it once."))
    records.audit(backend, site_id, "organizer", "staff_code_viewed")
    return jsonify({"site_id": site_id, "staff_code": code})


@bp.get("/sites/<site_id>/qr.<fmt>")
def site_qr(site_id, fmt):
    if fmt not in ("svg", "png"):
        return api_error(404, "not_found", _l("Not found."))
    if not registry.site_exists(get_backend(), site_id):
        raise QueueError("site_not_found", site_id)
    url = public_url(f"/s/{site_id}")
    if fmt == "svg":
        return Response(qr.svg(url), mimetype="image/svg+xml")
    return Response(qr.png(url), mimetype="image/png")


@bp.get("/sites/<site_id>/events")
def site_events(site_id):
    """Resync over plain HTTP for a phone whose socket cannot reconnect."""
    backend = get_backend()
    after = request.args.get("after", "")
    if after and not EVENT_ID.match(after):
        raise Invalid({"after": "format"})
    missed = events_since(backend, site_id, after) if after else None
    if missed is None:
        return jsonify({"snapshot": registry.get_site(backend, site_id), "events": []})
    return jsonify({"snapshot": None, "events": missed})


# --- tickets (residents) -------------------------------------------------------


@bp.post("/sites/<site_id>/tickets")
def join(site_id):
    """One person (``{name, phone, id_number}``, optionally ``doc_type``) or a household: see flow."""
    return join_from_body(site_id, json_body())


@bp.get("/tickets/<ticket_id>")
def get_ticket(ticket_id):
    backend = get_backend()
    site_id = ids.site_of(ticket_id)
    token = holder_token()
    if token is None and check_staff(site_id) is None:
        return jsonify(views.get_ticket(backend, ticket_id))
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


# --- staff -------------------------------------------------------------------


@bp.post("/auth/staff")
def staff_sign_in():
    body = json_body()
    data = collect(
        site_id=lambda: clean_site_id(body.get("site_id")),
        code=lambda: _staff_code(body.get("code")),
    )
    version = staff_code.check_staff_code(get_backend(), data["site_id"], data["code"])
    token = issue_staff_token(data["site_id"], version)
    response = jsonify({"token": token, "site_id": data["site_id"]})
    response.set_cookie(STAFF_COOKIE, token, max_age=STAFF_TOKEN_MAX_AGE, httponly=True, samesite="Lax",
                        secure=request.is_secure)
    return response


def _staff_code(value) -> str:
    """The code as typed on any keyboard (full-width digits included); never hashed unless ASCII."""
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        raise Invalid({"code": "required"})
    code = plain_code(str(value))
    if not code or not code.isascii() or len(code) > 64:
        raise Invalid({"code": "format"})
    return code


@bp.post("/auth/organizer")
def organizer_sign_in():
    """Organizer pages in a browser: trade the organizer token for an HttpOnly cookie."""
    token = json_body().get("token")
    if not isinstance(token, str) or not token:
        raise Invalid({"token": "required"})
    if not is_organizer_token(token):
        return api_error(403, "wrong_token", _l("Wrong organizer token."))
    response = jsonify({"ok": True})
    response.set_cookie(ORGANIZER_COOKIE, token, max_age=ORGANIZER_COOKIE_MAX_AGE, httponly=True,
                        samesite="Strict", secure=request.is_secure)
    return response


@bp.post("/auth/organizer/sign-out")
def organizer_sign_out():
    response = jsonify({"ok": True})
    response.delete_cookie(ORGANIZER_COOKIE)
    return response


@bp.post("/auth/staff/sign-out")
def staff_sign_out():
    response = jsonify({"ok": True})
    response.delete_cookie(STAFF_COOKIE)
    return response


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
    status, reason = body.get("status"), body.get("reason") or ""
    if status not in stations.STATION_STATUSES:
        raise Invalid({"status": "one_of_open_paused_closed"})
    if reason not in ("", *stations.PAUSE_REASONS):  # why a station pauses: dashboard and calling screen
        raise Invalid({"reason": "unknown"})
    event = stations.set_station_status(get_backend(), site_id, number, status, reason)
    announce(event, site_id)
    return jsonify({"station": number, "status": status, "reason": event.get("reason")})


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


@bp.get("/")
def index():
    return jsonify({"api": "natqueue", "version": 1, "sites": url_for("api.list_sites")})
