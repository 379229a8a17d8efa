"""Sampling beyond the station's table: home visits, rounds and their figures, and the lab's
records (exports, tube traces, the audit log, purging a round's personal data).

Exports and traces hand out unmasked personal data: organizer only, and each one is written
to the audit log (with ``requests.who``) before it is answered.
"""

from flask import Blueprint, abort, jsonify

from natqueue.sampling import home, records, rounds
from natqueue.sites import settings
from natqueue.tickets import ids, lanes
from natqueue.validation import clean_name, collect, plain_tube_code
from natqueue.web import get_backend
from natqueue.web.auth import require_organizer, require_staff
from natqueue.web.broadcast import announce, public_ticket
from natqueue.web.requests import (
    choice,
    download,
    idempotency_key,
    integer,
    json_body,
    optional_body,
    person,
    reason,
    who,
)

bp = Blueprint("sampling", __name__)



# --- home visits -----------------------------------------------------------------------------


@bp.get("/sites/<site_id>/home")
@require_staff
def home_list(site_id):
    return jsonify({"home": home.home_list(get_backend(), site_id)})


@bp.post("/sites/<site_id>/home")
@require_staff
def home_add(site_id):
    """A resident who cannot come: sampled at home by a team, from the same queue's records."""
    body = json_body()
    data = collect(  # every bad field at once, the person's included
        person=lambda: person(body, phone_required=False),
        address=lambda: clean_name(body.get("address"), "address", 200),
        reason=lambda: reason(body.get("reason")),
        single=lambda: choice(body.get("single"), lanes.SINGLE_REASONS, "single"),
    )
    resident = data["person"]
    single = data["single"] or resident.single  # ``yellow_code: true``, as at a join, means the same
    ticket, event = home.home_add(get_backend(), site_id, resident.name, resident.phone, resident.doc_type,
                                  resident.id_number, data["address"], data["reason"], single,
                                  idempotency_key())
    announce(event, site_id)
    return jsonify(public_ticket(ticket)), 201


@bp.post("/tickets/<ticket_id>/home-done")
@require_staff
def home_done(ticket_id):
    team = integer(json_body().get("team"), "team", 1, home.MAX_HOME_TEAM)
    ticket, event = home.home_done(get_backend(), ticket_id, team, idempotency_key())
    announce(event, ids.site_of(ticket_id))
    return jsonify(public_ticket(ticket))


# --- rounds ------------------------------------------------------------------------------------


@bp.get("/sites/<site_id>/rounds")
@require_staff
def list_rounds(site_id):
    backend = get_backend()
    return jsonify({"rounds": [rounds.round_figures(backend, site_id, r["id"])
                               for r in rounds.rounds(backend, site_id)]})


@bp.post("/sites/<site_id>/rounds")
@require_organizer
def new_round(site_id):
    name = clean_name(optional_body().get("name"), "name", 60)
    found, event = rounds.new_round(get_backend(), site_id, name, idempotency_key())
    announce(event, site_id)
    return jsonify(found), 201


@bp.get("/sites/<site_id>/rounds/<round_id>")
@require_staff
def round_figures(site_id, round_id):
    return jsonify(rounds.round_figures(get_backend(), site_id, round_id))


@bp.post("/sites/<site_id>/rounds/<round_id>/purge")
@require_organizer
def purge(site_id, round_id):
    backend = get_backend()
    days = settings.workflow_settings(backend, site_id)["retention_days"]
    return jsonify(rounds.purge_round(backend, site_id, round_id, days, who()))


# --- the lab's records: unmasked, organizer only, audited --------------------------------------


@bp.get("/sites/<site_id>/rounds/<round_id>/export.<fmt>")
@require_organizer
def export(site_id, round_id, fmt):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    rows = records.export_rows(get_backend(), site_id, round_id, who(), fmt)
    data = records.to_csv(rows) if fmt == "csv" else records.to_xlsx(rows)
    return download(data, f"{site_id}-round-{round_id}.{fmt}")


@bp.get("/sites/<site_id>/tubes/<code>/trace")
@require_organizer
def trace(site_id, code):
    response = jsonify(records.trace(get_backend(), site_id, plain_tube_code(code) or code, who()))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/sites/<site_id>/audit")
@require_organizer
def audit_log(site_id):
    return jsonify({"audit": records.audit_log(get_backend(), site_id)})
