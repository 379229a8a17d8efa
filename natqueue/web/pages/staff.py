"""Staff at work: the station console and the home team's phone. Both render for anyone
(the sign-in form shows until staff sign in); their data comes from the staff API."""

from flask import Blueprint, abort, render_template

from natqueue.sampling.home import MAX_HOME_TEAM
from natqueue.web.auth import check_staff
from natqueue.web.requests import site_or_404

bp = Blueprint("staff", __name__)


@bp.get("/station/<site_id>/<int:number>")
def station(site_id, number):
    site = site_or_404(site_id)
    if number not in {s["number"] for s in site["stations"]}:
        abort(404)
    return render_template("station.html", site=site, number=number, signed_in=check_staff(site_id) is None)


@bp.get("/home/<site_id>/<int:team>")
def home_team(site_id, team):
    """A home team's phone: who to visit, where, and the team's tube."""
    if not 1 <= team <= MAX_HOME_TEAM:
        abort(404)
    site = site_or_404(site_id)
    return render_template("home_team.html", site=site, team=team, signed_in=check_staff(site_id) is None)
