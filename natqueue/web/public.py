"""What hangs on the wall and what residents compare: the calling screen, the
poster, and the list of sites with their bands.

Public: numbers only, never names, ID numbers or phones.
"""

import json

from flask import Blueprint, current_app, jsonify, make_response, render_template, request
from flask_babel import force_locale

from natqueue.figures import arithmetic, dashboard
from natqueue.keys import SiteKeys
from natqueue.sites import registry, settings
from natqueue.store.backend import QueueError
from natqueue.tickets.views import upcoming_ids
from natqueue.web import get_backend
from natqueue.web.requests import public_url, site_or_404

bp = Blueprint("public", __name__)

#: Calls shown on the calling screen besides the current ones.
RECENT_CALLS = 8
NEXT_SHOWN = 6


def board(backend, site_id: str) -> dict:
    """The calling screen's picture: current and recent calls, next numbers, pauses."""
    keys = SiteKeys(site_id)
    site = registry.get_site(backend, site_id)
    pipe = backend.redis.pipeline(transaction=True)
    pipe.zrange(keys.waiting, 0, NEXT_SHOWN - 1)
    pipe.xrevrange(keys.events, count=200)
    pipe.hgetall(keys.station_reasons)
    pipe.hgetall(keys.modes)
    next_ids, recent_events, reasons, modes = pipe.execute()
    # In the order the (pooled) stations will call them: priority lanes by the site's ratio.
    pooled = next((s["number"] for s in site["stations"] if modes.get(str(s["number"])) != "single"), None)
    in_lanes = None if pooled is None else upcoming_ids(backend, site_id, pooled, NEXT_SHOWN)
    next_ids = next_ids if in_lanes is None else in_lanes
    pipe = backend.redis.pipeline(transaction=False)
    for tid in next_ids:
        pipe.hget(keys.ticket(tid), "number")
    next_numbers = [n for n in pipe.execute() if n]
    recent = []
    for event_id, fields in recent_events:
        event = json.loads(fields["e"])
        if event.get("type") in ("called", "recalled"):
            recent.append({"id": event_id, "number": event["number"], "station": event.get("station"),
                           "type": event["type"], "ts": event.get("ts")})
            if len(recent) >= RECENT_CALLS:
                break
    return {
        "site_id": site_id,
        "name": site["name"],
        "waiting": site["waiting"],
        "eta_seconds": site["eta_seconds"],
        "stations": [{**s, "reason": reasons.get(str(s["number"])) if s["status"] == "paused" else None}
                     for s in site["stations"]],
        "recent": recent,
        "next": next_numbers,
        "last_event_id": site["last_event_id"],
    }


@bp.get("/api/v1/sites/<site_id>/board")
def board_api(site_id):
    return jsonify(board(get_backend(), site_id))


#: The public list is the same for every resident for a few seconds. A congested site's
#: join page shows the calmest other site on every view: it reads this list, computed once
#: per window (on the site clock) and process, not every site's figures per view.
PUBLIC_LIST_TTL_MS = 5000


def public_sites(backend) -> list[dict]:
    """Calmest first; a site where nobody can be sampled now (every station paused: no
    estimate; or closed) after every site taking people, however short its queue.
    The answer is shared for ``PUBLIC_LIST_TTL_MS``: callers must not change it."""
    cache = current_app.extensions.setdefault("natqueue_public_sites", {})
    now = backend.now_ms()
    if cache and 0 <= now - cache["at"] < PUBLIC_LIST_TTL_MS:
        return cache["sites"]
    found = [dashboard.site_stats(backend, s, sync_alerts=False) for s in registry.list_site_ids(backend)]
    found.sort(key=lambda s: (not s["accepting"], s["eta_join_s"] is None, arithmetic.band_rank(s["band"]),
                              s["eta_join_s"] or 0, s["name"]))
    cache.update(at=now, sites=[dashboard.summary(s) for s in found])
    return cache["sites"]


def calmer_site(backend, site_id: str) -> dict | None:
    """For a congested site's join page: the calmest other site taking people, same area first."""
    here = dashboard.site_stats(backend, site_id, sync_alerts=False)
    if here["band"] != "congested":
        return None
    others = [s for s in public_sites(backend) if s["id"] != site_id and s["accepting"]
              and s["eta_join_s"] is not None and s["band"] != "congested"]
    if not others:
        return None
    others.sort(key=lambda s: (s["area"] != here["area"] or not here["area"], s["eta_join_s"] or 0))
    return others[0]


@bp.app_template_global("calmer_site")
def _calmer_for_template(site_id: str) -> dict | None:
    try:
        return calmer_site(get_backend(), site_id)
    except QueueError:
        return None


@bp.get("/sites")
def sites_page():
    response = make_response(render_template("sites.html", sites=public_sites(get_backend())))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api/v1/public/sites")
def sites_api():
    """The sites a resident may choose from, calmest first, with band and estimated wait."""
    return jsonify({"sites": public_sites(get_backend())})


@bp.get("/display/<site_id>")
def display(site_id):
    site = site_or_404(site_id)
    # Read out to residents in Chinese, whatever the TV's browser was set to (unless ?lang=en).
    locale = "en" if request.args.get("lang") == "en" else "zh_CN"
    with force_locale(locale):
        return render_template("display.html", site=site, board=board(get_backend(), site_id), locale=locale)


@bp.get("/sites/<site_id>/poster")
def poster(site_id):
    site = site_or_404(site_id)
    conf = settings.organizer_settings(settings.read_meta(get_backend(), site_id))
    # Printed for residents: Chinese, whatever the organizer's browser prefers (unless ?lang=en).
    with force_locale("en" if request.args.get("lang") == "en" else "zh_CN"):
        return render_template("poster.html", site=site, conf=conf, join_url=public_url(f"/s/{site_id}"),
                               locale="en" if request.args.get("lang") == "en" else "zh_CN")
