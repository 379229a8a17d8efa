"""The organizer's side: live figures, rosters, alerts, and site administration.

API under ``/api/v1`` (JSON, the same error shape as ``api.py``) and the
pages ``/dashboard`` and ``/organizer/sites``. Views stay thin: validate,
call the domain, tell the dashboards.
"""

from flask import render_template, request
from flask_babel import lazy_gettext as _l

from natqueue.figures import arithmetic
from natqueue.figures import dashboard as site_figures
from natqueue.sites import registry, settings
from natqueue.store.backend import QueueError
from natqueue.web import get_backend
from natqueue.web.auth import is_organizer
from natqueue.web.errors import api_blueprint
from natqueue.web.requests import public_url

bp = api_blueprint("organizer", __name__, url_prefix=None)



# --- pages -------------------------------------------------------------------------------


def _sign_in_page(title):
    return render_template("organizer_signin.html", title=title), 401


@bp.get("/dashboard")
def dashboard():
    if not is_organizer():
        return _sign_in_page(_l("Dashboard"))
    site_ids = request.args.getlist("site") or None
    return render_template("dashboard.html", site_ids=site_ids, roles=arithmetic.ROLES)


@bp.get("/organizer/sites")
def admin_sites():
    if not is_organizer():
        return _sign_in_page(_l("Sites"))
    backend = get_backend()
    found = site_figures.most_crowded_first([site_figures.site_stats(backend, s, sync_alerts=False)
                          for s in registry.list_site_ids(backend)])
    return render_template("admin_sites.html", sites=found)


@bp.get("/organizer/sites/<site_id>")
def admin_site(site_id):
    if not is_organizer():
        return _sign_in_page(_l("Sites"))
    backend = get_backend()
    try:
        site = registry.get_site(backend, site_id)
        conf = settings.organizer_settings(settings.read_meta(backend, site_id))
    except QueueError:
        return render_template("404.html"), 404
    return render_template("admin_site.html", site=site, conf=conf, roles=arithmetic.ROLES,
                           join_url=public_url(f"/s/{site_id}"))
