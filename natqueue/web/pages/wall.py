"""What hangs at the site: the calling screen (a TV) and the printed poster with the QR code;
and a building's call-up notice, for its door and its group chat.

Both speak Chinese whatever the browser that shows or prints them prefers (unless
``?lang=en``): they are for the residents in front of them. Numbers only, never a name.
"""

from flask import Blueprint, abort, render_template, request
from flask_babel import force_locale

from natqueue.community import callup, communities, coverage
from natqueue.figures import board
from natqueue.sites import registry, settings
from natqueue.store.backend import QueueError
from natqueue.web import get_backend
from natqueue.web.requests import join_url, site_or_404

bp = Blueprint("wall", __name__)


def _residents_locale() -> str:
    return "en" if request.args.get("lang") == "en" else "zh_CN"


@bp.get("/display/<site_id>")
def display(site_id):
    site = site_or_404(site_id)
    locale = _residents_locale()
    with force_locale(locale):
        return render_template("display.html", site=site, board=board.board(get_backend(), site_id), locale=locale)


@bp.get("/sites/<site_id>/poster")
def poster(site_id):
    site = site_or_404(site_id)
    conf = settings.organizer_settings(settings.read_meta(get_backend(), site_id))
    locale = _residents_locale()
    with force_locale(locale):
        return render_template("poster.html", site=site, conf=conf, join_url=join_url(site_id), locale=locale)


@bp.get("/communities/<community_id>/notice")
def callup_notice(community_id):
    """One building's call-up notice: its slots and the QR code of the site it is called to."""
    backend = get_backend()
    try:
        found = communities.get_community(backend, community_id)
    except QueueError:
        abort(404)
    compound, building = request.args.get("compound", ""), request.args.get("building", "")
    if (compound, building) not in {(c, b) for c, b, _u in coverage.unit_names(backend, community_id).values()}:
        abort(404)
    slots = [{**slot, "site_name": registry.get_site(backend, slot["site"])["name"], "join_url": join_url(slot["site"])}
             for slot in callup.get_callup(backend, community_id)
             if {"compound": compound, "building": building} in slot["buildings"]]
    locale = _residents_locale()
    with force_locale(locale):
        return render_template("callup_notice.html", community=found, compound=compound, building=building,
                               slots=slots, locale=locale)
