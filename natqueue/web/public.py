"""What hangs on the wall and what residents compare: the calling screen, the
poster, and the list of sites with their bands.

Public: numbers only, never names, ID numbers or phones.
"""

from flask import Blueprint, make_response, render_template, request
from flask_babel import force_locale

from natqueue.figures import board
from natqueue.sites import settings
from natqueue.web import get_backend
from natqueue.web.requests import public_url, shared_public_list, site_or_404

bp = Blueprint("public", __name__)


@bp.get("/sites")
def sites_page():
    response = make_response(render_template("sites.html", sites=shared_public_list().sites(get_backend())))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/display/<site_id>")
def display(site_id):
    site = site_or_404(site_id)
    # Read out to residents in Chinese, whatever the TV's browser was set to (unless ?lang=en).
    locale = "en" if request.args.get("lang") == "en" else "zh_CN"
    with force_locale(locale):
        return render_template("display.html", site=site, board=board.board(get_backend(), site_id), locale=locale)


@bp.get("/sites/<site_id>/poster")
def poster(site_id):
    site = site_or_404(site_id)
    conf = settings.organizer_settings(settings.read_meta(get_backend(), site_id))
    # Printed for residents: Chinese, whatever the organizer's browser prefers (unless ?lang=en).
    with force_locale("en" if request.args.get("lang") == "en" else "zh_CN"):
        return render_template("poster.html", site=site, conf=conf, join_url=public_url(f"/s/{site_id}"),
                               locale="en" if request.args.get("lang") == "en" else "zh_CN")
