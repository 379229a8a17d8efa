"""HTML pages: the resident's phone page and the station console."""

from flask import Blueprint, abort, current_app, make_response, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from natqueue.sites import registry, settings
from natqueue.web import LOCALES, get_backend
from natqueue.web.auth import check_staff
from natqueue.web.errors import api_error
from natqueue.web.requests import shared_public_list, site_or_404

bp = Blueprint("pages", __name__)


@bp.after_app_request
def _remember_language(response):
    if b"lang=" not in request.query_string:  # nearly every request: no query to parse
        return response
    chosen = request.args.get("lang")
    if chosen in LOCALES:
        response.set_cookie("natq_lang", chosen, max_age=365 * 86400, samesite="Lax")
    return response


@bp.app_context_processor
def _locale():
    return {"locale": str(get_locale())}


@bp.get("/")
def index():
    backend = get_backend()
    found = [registry.get_site(backend, site_id) for site_id in registry.list_site_ids(backend)]
    return render_template("index.html", sites=found)


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for it on every first visit; a 404 each time fills the log."""
    return current_app.send_static_file("favicon.ico")


@bp.get("/s/<site_id>")
def resident(site_id):
    backend = get_backend()
    site = site_or_404(site_id)
    site["family_max"] = settings.workflow_settings(backend, site_id)["family_max"]
    conf = settings.organizer_settings(settings.read_meta(backend, site_id))
    site["opens"], site["closes"] = conf["opens"], conf["closes"]  # residents plan when to come
    # Only a congested site suggests another; the list it picks from is shared for a few seconds.
    calmer = shared_public_list().calmer_than(backend, site, conf)
    response = make_response(render_template("resident.html", site=site, calmer=calmer))
    # A phone must never show yesterday's queue from its cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/station/<site_id>/<int:number>")
def station(site_id, number):
    site = site_or_404(site_id)
    if number not in {s["number"] for s in site["stations"]}:
        abort(404)
    signed_in = check_staff(site_id) is None
    return render_template("station.html", site=site, number=number, signed_in=signed_in)


@bp.app_errorhandler(404)
def not_found(_exc):
    if request.path.startswith("/api/"):
        return api_error(404, "not_found", _l("Not found."))
    return render_template("404.html"), 404
