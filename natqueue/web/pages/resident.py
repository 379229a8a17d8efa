"""What a resident opens: the list of sites, a site's join page and the public list (and the
icon every browser asks for).

At a district's peak everyone opens these at once, so none costs more the more sites there
are: the lists come from the public list every request of this process shares
(``figures.public_list``), and each page is rendered at most once a second per language and
shared by every view in that second (``web.page_cache``; each response its own CSP nonce).
The join page reads only its own site, in one round trip, when it is rendered; the calmer-site
suggestion looks only at the few calmest sites of the list.
"""

from flask import Blueprint, abort, current_app, make_response, request

from natqueue.sites import registry, settings
from natqueue.store.backend import QueueError
from natqueue.web import get_backend
from natqueue.web.page_cache import shared_page
from natqueue.web.requests import shared_public_list

bp = Blueprint("resident", __name__)


def _no_store(text: str):
    """A phone must never show yesterday's queue from its cache."""
    response = make_response(text)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def index():
    def prepare():
        first = shared_public_list().view(get_backend()).page("", 1)
        return "index.html", {"sites": first["sites"], "more": first["pages"] > 1}

    return shared_page("index", prepare)


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for it on every first visit; a 404 each time fills the log."""
    return current_app.send_static_file("favicon.ico")


@bp.get("/s/<site_id>")
def join(site_id):
    def prepare():
        backend = get_backend()
        try:
            site, meta = registry.get_site_and_meta(backend, site_id)
        except QueueError:
            abort(404)
        site["family_max"] = settings.workflow_of(meta)["family_max"]
        conf = settings.organizer_settings(meta)
        site["opens"], site["closes"] = conf["opens"], conf["closes"]  # residents plan when to come
        calmer = shared_public_list().calmer_than(backend, site, conf)
        return "resident.html", {"site": site, "calmer": calmer}

    return _no_store(shared_page(f"join:{site_id}", prepare))


@bp.get("/sites")
def sites():
    """A page of the list (``?page=``), of one area if asked (``?area=``): the same few dozen
    sites to render and send at any size of district. Only pages that exist are kept."""
    view = shared_public_list().view(get_backend())
    number = request.args.get("page", "1")
    shown = view.page(request.args.get("area", ""), int(number) if number.isdigit() and len(number) < 6 else 1)
    key = f"sites:{shown['area']}:{shown['page']}"
    return _no_store(shared_page(key, lambda: ("sites.html", {**shown, "areas": view.areas()})))
