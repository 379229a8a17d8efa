"""The organizer's pages: the live dashboard, the sites' administration, a site's rounds,
exports and traces, planning a round, and communities (coverage by building, the closing
report). Without the organizer's sign-in they show the sign-in form (401), or render with
no data until the organizer signs in on the page (rounds, communities)."""

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l

from natqueue import planner
from natqueue.community import closing, communities
from natqueue.figures import arithmetic
from natqueue.figures import dashboard as site_figures
from natqueue.sites import registry, settings
from natqueue.store.backend import QueueError
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
    found = [site_figures.site_stats(backend, s, sync_alerts=False, look_ahead=False)
             for s in registry.list_site_ids(backend)]
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


# --- communities (natqueue/community) -----------------------------------------------------


def community_or_404(community_id: str) -> dict:
    try:
        return communities.get_community(get_backend(), community_id)
    except QueueError:
        abort(404)


def site_names(site_ids: list[str]) -> dict[str, str]:
    backend = get_backend()
    return {s: registry.get_site(backend, s)["name"] for s in site_ids if registry.site_exists(backend, s)}


@bp.get("/organizer/communities")
def communities_page():
    sites = [{"id": s, "name": n} for s, n in site_names(registry.list_site_ids(get_backend())).items()]
    return render_template("communities.html", signed_in=is_organizer(), sites=sites)


@bp.get("/organizer/communities/<community_id>")
def community_page(community_id):
    """Coverage by building, live; the morning's chart; roster, sweep code, call-up, rounds."""
    found = community_or_404(community_id)
    return render_template("community.html", community=found, signed_in=is_organizer(),
                           sites=[{"id": s, "name": n} for s, n in site_names(found["sites"]).items()])


@bp.get("/organizer/communities/<community_id>/rounds/<int:round_n>/report")
def community_report(community_id, round_n):
    """The closing report, printable; names and phones masked (the XLSX has them, audited)."""
    found = community_or_404(community_id)
    if not is_organizer():
        return render_template("community_report.html", community=found, report=None, signed_in=False)
    try:
        report = closing.report(get_backend(), community_id, round_n)
    except QueueError:
        abort(404)
    return render_template("community_report.html", community=found, report=report, signed_in=True,
                           site_names=site_names(found["sites"]))
