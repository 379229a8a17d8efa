"""What a resident opens: the list of sites, a site's join page and the public list (and the
icon every browser asks for).

The join page is the page every resident opens first, so it reads only its own site: the
calmer-site suggestion is looked for only when this site is congested, from the public list
every request of this process shares (``figures.public_list``).
"""

from flask import Blueprint, current_app, make_response, render_template

from natqueue.sites import registry, settings
from natqueue.web import get_backend
from natqueue.web.requests import shared_public_list, site_or_404

bp = Blueprint("resident", __name__)


def _no_store(response):
    """A phone must never show yesterday's queue from its cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


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
def join(site_id):
    backend = get_backend()
    site = site_or_404(site_id)
    site["family_max"] = settings.workflow_settings(backend, site_id)["family_max"]
    conf = settings.organizer_settings(settings.read_meta(backend, site_id))
    site["opens"], site["closes"] = conf["opens"], conf["closes"]  # residents plan when to come
    calmer = shared_public_list().calmer_than(backend, site, conf)
    return _no_store(make_response(render_template("resident.html", site=site, calmer=calmer)))


@bp.get("/sites")
def sites():
    return _no_store(make_response(render_template("sites.html", sites=shared_public_list().sites(get_backend()))))
