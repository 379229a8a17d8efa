"""Sites: creating one and its staff code (organizer), and what everyone sees of it: its
public picture, QR code, feed, the calling board and the public list of sites.

Nothing here shows a name, an ID number or a phone: a site's public picture is numbers.
"""

from flask import Blueprint, Response, abort, current_app, jsonify, request, url_for
from flask_babel import lazy_gettext as _l

from natqueue import qr
from natqueue.figures import board
from natqueue.sampling import records
from natqueue.sites import registry, staff_code
from natqueue.store.backend import QueueError
from natqueue.store.feed import EVENT_ID, events_since
from natqueue.validation import Invalid, clean_name, clean_site_id, collect
from natqueue.web import get_backend
from natqueue.web.auth import require_organizer
from natqueue.web.errors import api_error
from natqueue.web.page_cache import shared_text
from natqueue.web.push import site_added
from natqueue.web.requests import boolean, integer, join_url, json_body, shared_public_list, timezone

bp = Blueprint("sites", __name__)


@bp.get("/")
def index():
    return jsonify({"api": "natqueue", "version": 1, "sites": url_for("api.sites.list_sites")})


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
        require_tube=lambda: boolean(body.get("require_tube", True), "require_tube"),
    )
    site = registry.create_site(
        get_backend(), data["id"], data["name"], data["stations"], address=data["address"],
        timezone=data["timezone"], alert_ahead=data["alert_ahead"], require_tube=data["require_tube"],
    )
    site["join_url"] = join_url(site["id"])
    site_added(site["id"])
    return jsonify(site), 201


@bp.get("/sites")
def list_sites():
    """Every site's picture: public, and its cost grows with the district, so it is read in one
    round trip and the text is shared for a second by everyone who asks (``web.page_cache``)."""
    def render() -> str:
        backend = get_backend()
        found = registry.get_sites_and_meta(backend, registry.list_site_ids(backend))
        return current_app.json.dumps({"sites": [picture for picture, _meta in found]})

    return Response(shared_text(("api", "sites"), render), mimetype="application/json")


@bp.get("/sites/<site_id>")
def get_site(site_id):
    site = registry.get_site(get_backend(), site_id)
    site["join_url"] = join_url(site_id)
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
        abort(404)
    if not registry.site_exists(get_backend(), site_id):
        raise QueueError("site_not_found", site_id)
    url = join_url(site_id)
    if fmt == "svg":
        return Response(qr.site_svg(url), mimetype="image/svg+xml")
    return Response(qr.site_png(url), mimetype="image/png")


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


@bp.get("/sites/<site_id>/board")
def board_api(site_id):
    """What the calling screen shows: current and recent calls, the next numbers, pauses."""
    return jsonify(board.board(get_backend(), site_id))


@bp.get("/public/sites")
def sites_api():
    """The sites a resident may choose from, calmest first, with band and estimated wait: the
    list's JSON as stored, not encoded again per request (``figures.public_list``)."""
    text = shared_public_list().view(get_backend()).json
    return Response('{"sites":' + text + "}", mimetype="application/json")

