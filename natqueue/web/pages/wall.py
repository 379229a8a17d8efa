"""What hangs at the site: the calling screen (a TV) and the printed poster with the QR code.

Both speak Chinese whatever the browser that shows or prints them prefers (unless
``?lang=en``): they are for the residents in front of them. Numbers only, never a name.
"""

from flask import Blueprint, render_template, request
from flask_babel import force_locale

from natqueue.figures import board
from natqueue.sites import settings
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
