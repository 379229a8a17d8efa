"""Staff at work: the station console, the home team's phone, and a community's sweep teams'
phone. Each renders for anyone (the sign-in form shows until they sign in); their data comes
from the API."""

from flask import Blueprint, abort, render_template

from natqueue.community import communities
from natqueue.sampling.home import MAX_HOME_TEAM
from natqueue.store.backend import QueueError
from natqueue.web import get_backend
from natqueue.web.auth import check_community, check_staff
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


@bp.get("/sweep/<community_id>")
def sweep(community_id):
    """A sweep team's phone: doors still untested, building by building; knocks kept offline."""
    try:
        found = communities.get_community(get_backend(), community_id)
    except QueueError:
        abort(404)
    return render_template("sweep.html", community={"id": found["id"], "name": found["name"]},
                           signed_in=check_community(community_id) is None)
