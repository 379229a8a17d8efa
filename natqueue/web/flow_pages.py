"""Pages of the workflow: the home team's list and the organizer's rounds, traces and exports."""

from flask import Blueprint, abort, render_template

from natqueue.sampling.home import MAX_HOME_TEAM
from natqueue.web.auth import check_staff, is_organizer
from natqueue.web.requests import site_or_404

bp = Blueprint("flow_pages", __name__)


@bp.get("/home/<site_id>/<int:team>")
def home_team(site_id, team):
    """A home team's phone: who to visit, where, and the team's tube."""
    if not 1 <= team <= MAX_HOME_TEAM:
        abort(404)
    site = site_or_404(site_id)
    return render_template("home_team.html", site=site, team=team, signed_in=check_staff(site_id) is None)


@bp.get("/organizer/sites/<site_id>/rounds")
def rounds(site_id):
    """Rounds, figures, exports, traces and the audit log; the data arrives only for the organizer."""
    site = site_or_404(site_id)
    return render_template("rounds.html", site=site, signed_in=is_organizer())
