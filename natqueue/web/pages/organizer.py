"""The organizer's pages: the live dashboard, the sites' administration, a site's rounds,
exports and traces, and planning a round. Without the organizer's sign-in they show the sign-in form (401)."""

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from natqueue import planner
from natqueue.figures import arithmetic
from natqueue.figures import dashboard as site_figures
from natqueue.sites import registry, settings
from natqueue.web import get_backend
from natqueue.web.auth import is_organizer
from natqueue.web.requests import join_url, site_or_404

bp = Blueprint("organizer", __name__)


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
    found = [site_figures.site_stats(backend, s, sync_alerts=False) for s in registry.list_site_ids(backend)]
    return render_template("admin_sites.html", sites=site_figures.most_crowded_first(found))


@bp.get("/organizer/sites/<site_id>")
def admin_site(site_id):
    if not is_organizer():
        return _sign_in_page(_l("Sites"))
    site = site_or_404(site_id)
    conf = settings.organizer_settings(settings.read_meta(get_backend(), site_id))
    return render_template("admin_site.html", site=site, conf=conf, roles=arithmetic.ROLES,
                           join_url=join_url(site_id))


@bp.get("/organizer/sites/<site_id>/rounds")
def rounds(site_id):
    """Rounds, figures, exports, traces and the audit log; the data arrives only for the organizer."""
    site = site_or_404(site_id)
    return render_template("rounds.html", site=site, signed_in=is_organizer())


@bp.get("/organizer/plan")
def plan_page():
    """What-if: a round's waits and staff by hour, computed by ``api.planner``."""
    if not is_organizer():
        return _sign_in_page(_l("Plan a round"))
    return render_template("plan.html", roles=planner.ROLES, standard=planner.DEFAULT_STANDARD)
