"""Communities (``/api/v1/communities``): the roster, coverage, sweep teams, rounds and closing,
call-up; and what a site shows of its community's call-up.

Organizer for everything; a sweep team (a token of this very community, ``auth``) for the sweep
list, knocks, exemptions and pledges. Views are thin: check input, call ``natqueue.community``,
announce the site events a knock made. Coverage changes reach the community's room from the
domain itself (``broadcast.announce_coverage``), whichever path made them.
"""

import functools

from flask import Blueprint, g, jsonify, request
from flask_babel import lazy_gettext as _l

from natqueue.community import callup, closing, communities, coverage, roster_import, sweep
from natqueue.community import rounds as community_rounds
from natqueue.sites import registry
from natqueue.store.backend import QueueError
from natqueue.validation import Invalid, clean_name, clean_site_id, collect
from natqueue.web import get_backend
from natqueue.web.auth import check_community, check_staff, require_organizer
from natqueue.web.broadcast import announce
from natqueue.web.errors import api_error
from natqueue.web.requests import choice, download, idempotency_key, json_body, optional_body

bp = Blueprint("community", __name__)
MAX_ROSTER_BYTES = 20 * 1024 * 1024


def _who() -> str:
    name = (request.headers.get("X-Natq-User") or request.args.get("by") or "").strip()[:40]
    actor = getattr(g, "actor", "organizer")
    team = getattr(g, "team", "") if actor == "sweep" else ""
    return " ".join(x for x in (actor, team, name, request.remote_addr or "") if x)


def _guarded(view):
    """The view for the organizer or a sweep team of this community; anyone else is refused first."""
    @functools.wraps(view)
    def guarded(**kwargs):
        refused = check_community(kwargs["community_id"], sweep_ok=True)
        return view(**kwargs) if refused is None else refused
    return guarded


def _sites(value) -> list[str]:
    if not isinstance(value, list) or len(value) > communities.MAX_SITES:
        raise Invalid({"sites": f"list_of_up_to_{communities.MAX_SITES}"})
    found = []
    for i, site in enumerate(value):
        try:
            found.append(clean_site_id(site))
        except Invalid:
            raise Invalid({f"sites.{i}": "format"}) from None
    if len(set(found)) != len(found):
        raise Invalid({"sites": "duplicate"})
    return found


def _note(body) -> str:
    note = body.get("note")
    return "" if note in (None, "") else clean_name(note, "note", 200)


# --- communities -------------------------------------------------------------------------------


@bp.post("/communities")
@require_organizer
def create_community():
    body = json_body()
    data = collect(id=lambda: clean_site_id(body.get("id")), name=lambda: clean_name(body.get("name"), "name", 60),
                   sites=lambda: _sites(body.get("sites", [])))
    found = communities.create_community(get_backend(), data["id"], data["name"], data["sites"], idempotency_key())
    return jsonify(found), 201


@bp.get("/communities")
@require_organizer
def list_communities():
    return jsonify({"communities": communities.list_communities(get_backend())})


@bp.get("/communities/<community_id>")
@require_organizer
def get_community(community_id):
    found = communities.get_community(get_backend(), community_id)
    found["rounds"] = communities.rounds(get_backend(), community_id)
    return jsonify(found)


@bp.patch("/communities/<community_id>")
@require_organizer
def patch_community(community_id):
    body = json_body()
    unknown = [k for k in body if k not in ("name", "sites")]
    if unknown:
        raise Invalid({k: "unknown" for k in unknown})
    data = collect(name=lambda: None if "name" not in body else clean_name(body["name"], "name", 60),
                   sites=lambda: None if "sites" not in body else _sites(body["sites"]))
    found = communities.patch_community(get_backend(), community_id, data["name"], data["sites"], idempotency_key())
    return jsonify(found)


@bp.put("/communities/<community_id>/roster")
@require_organizer
def put_roster(community_id):
    """A roster is bigger than any JSON body: its own limit, not the app's (a community of
    20,000 people is about 1.5 MB of CSV)."""
    if (request.content_length or 0) > MAX_ROSTER_BYTES:
        return api_error(413, "too_large", _l("The file is too large."))
    request.max_content_length = MAX_ROSTER_BYTES
    found = roster_import.import_roster(get_backend(), community_id, request.get_data(cache=False),
                                        idempotency_key())
    return jsonify(found)


@bp.get("/communities/<community_id>/coverage")
@require_organizer
def get_coverage(community_id):
    return jsonify(coverage.coverage(get_backend(), community_id, request.args.get("round")))


@bp.get("/communities/<community_id>/timeline")
@require_organizer
def get_timeline(community_id):
    meta = coverage.community_meta(get_backend(), community_id)
    n = coverage.round_number(meta, request.args.get("round"))
    return jsonify({"round": n, "points": coverage.timeline(get_backend(), community_id, n)})


# --- sweep teams ---------------------------------------------------------------------------------


@bp.post("/communities/<community_id>/sweep-code")
@require_organizer
def rotate_sweep_code(community_id):
    code = communities.rotate_sweep_code(get_backend(), community_id)
    return jsonify({"community": community_id, "code": code, "sweep_code": code})


@bp.get("/communities/<community_id>/sweep")
@_guarded
def sweep_list(community_id):
    compound, building = request.args.get("compound", ""), request.args.get("building", "")
    return jsonify(sweep.households(get_backend(), community_id, compound, building,
                                    include_done=request.args.get("all") == "1"))


@bp.get("/communities/<community_id>/sweep/buildings")
@_guarded
def sweep_buildings(community_id):
    return jsonify({"buildings": sweep.buildings(get_backend(), community_id)})


@bp.post("/communities/<community_id>/households/<hid>/visits")
@_guarded
def add_visit(community_id, hid):
    body = json_body()
    data = collect(
        outcome=lambda: choice(body.get("outcome"), sweep.OUTCOMES, "outcome", empty_ok=False),
        note=lambda: _note(body),
        site=lambda: None if not body.get("site") else clean_site_id(body["site"]),
    )
    found = sweep.record_visit(get_backend(), community_id, hid, data["outcome"], data["note"],
                               getattr(g, "team", ""), idempotency_key(), data["site"])
    for site_id, event in found.pop("events"):
        announce(event, site_id)
    return jsonify(found), 201


@bp.post("/communities/<community_id>/households/<hid>/pledge")
@_guarded
def set_pledge(community_id, hid):
    signed = json_body().get("signed", True)
    if not isinstance(signed, bool):
        raise Invalid({"signed": "boolean"})
    return jsonify(sweep.pledge(get_backend(), community_id, hid, signed, _who(), idempotency_key()))


@bp.post("/communities/<community_id>/people/<pid>/exempt")
@_guarded
def exempt(community_id, pid):
    body = json_body()
    reason = choice(body.get("reason"), sweep.EXEMPT_REASONS, "reason", empty_ok=False)
    note = _note(body)
    if reason == "other" and not note:
        raise Invalid({"note": "required"})
    return jsonify(sweep.exempt(get_backend(), community_id, pid, reason, note, _who(), idempotency_key()))


@bp.delete("/communities/<community_id>/people/<pid>/exempt")
@require_organizer
def lift_exemption(community_id, pid):
    return jsonify(sweep.exempt(get_backend(), community_id, pid, "", "", _who(), idempotency_key()))


# --- rounds and closing -----------------------------------------------------------------------


@bp.get("/communities/<community_id>/rounds")
@require_organizer
def list_rounds(community_id):
    return jsonify({"rounds": communities.rounds(get_backend(), community_id)})


@bp.post("/communities/<community_id>/rounds")
@require_organizer
def start_round(community_id):
    body = optional_body()
    name = clean_name(body.get("name"), "name", 60)
    record, events = community_rounds.start_round(get_backend(), community_id, name, idempotency_key())
    for site_id, event in events:
        announce(event, site_id)
    return jsonify(record), 201


@bp.post("/communities/<community_id>/rounds/<round_n>/close")
@require_organizer
def close_round(community_id, round_n):
    body = optional_body()
    force = body.get("force", False)
    if not isinstance(force, bool):
        raise Invalid({"force": "boolean"})
    reason = clean_name(body.get("reason"), "reason", 200) if force else ""
    return jsonify(closing.close_round(get_backend(), community_id, round_n, force, reason, _who(),
                                       idempotency_key()))


@bp.get("/communities/<community_id>/rounds/<round_n>/report")
@require_organizer
def round_report(community_id, round_n):
    return jsonify(closing.report(get_backend(), community_id, round_n))


@bp.get("/communities/<community_id>/rounds/<round_n>/report.xlsx")
@require_organizer
def round_report_xlsx(community_id, round_n):
    data = closing.report_xlsx(get_backend(), community_id, round_n, _who())
    return download(data, f"{community_id}-round-{round_n}-report.xlsx")


@bp.get("/communities/<community_id>/audit")
@require_organizer
def audit_log(community_id):
    coverage.community_meta(get_backend(), community_id)
    return jsonify({"audit": closing.audit_log(get_backend(), community_id)})


# --- call-up --------------------------------------------------------------------------------


@bp.get("/communities/<community_id>/callup")
@_guarded
def get_callup(community_id):
    coverage.community_meta(get_backend(), community_id)
    return jsonify({"slots": callup.get_callup(get_backend(), community_id)})


@bp.put("/communities/<community_id>/callup")
@require_organizer
def put_callup(community_id):
    slots = callup.set_callup(get_backend(), community_id, json_body().get("slots"), idempotency_key())
    return jsonify({"slots": slots})


@bp.get("/sites/<site_id>/callup")
def site_callup(site_id):
    """Public: the buildings called to this site now and next (names and times only)."""
    if not registry.site_exists(get_backend(), site_id):
        raise QueueError("site_not_found", site_id)
    return jsonify(callup.site_callup(get_backend(), site_id))


@bp.get("/sites/<site_id>/arrival-forecast")
def arrival_forecast(site_id):
    refused = check_staff(site_id)
    if refused:
        return refused
    return jsonify({"site_id": site_id, "slots": callup.arrival_forecast(get_backend(), site_id)})
