"""Organizer endpoints: workflow settings, rounds, traces, exports, audit log, purge.

Traces and exports hand out unmasked personal data: organizer only, and each
one is written to the audit log first.
"""

from flask import Response, jsonify, request
from flask_babel import lazy_gettext as _l

from natqueue.sampling import records, rounds
from natqueue.sites import settings
from natqueue.validation import Invalid, clean_name, collect, plain_tube_code
from natqueue.web import get_backend
from natqueue.web.auth import require_organizer, require_staff
from natqueue.web.broadcast import announce
from natqueue.web.errors import api_blueprint, api_error
from natqueue.web.requests import boolean, idempotency_key, integer, who

bp = api_blueprint("records", __name__)



def _ratio(value):
    if (not isinstance(value, list) or len(value) != 2
            or any(isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 10 for v in value)):
        raise Invalid({"priority_ratio": "two_integers_1_to_10"})
    return value


def _pattern(value):
    if not isinstance(value, str) or not value or len(value) > 100 or not settings.tube_pattern_ok(value):
        raise Invalid({"tube_pattern": "regex"})
    return value


@bp.get("/sites/<site_id>/workflow")
@require_staff
def get_settings(site_id):
    return jsonify(settings.workflow_settings(get_backend(), site_id))


@bp.patch("/sites/<site_id>/workflow")
@require_organizer
def patch_settings(site_id):
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid({"body": "json_object_required"})
    checks = {
        "priority_ratio": lambda: _ratio(body["priority_ratio"]),
        "tube_capacity": lambda: integer(body["tube_capacity"], "tube_capacity", 1, 20, settings.TUBE_CAPACITIES),
        "tube_pattern": lambda: _pattern(body["tube_pattern"]),
        "require_tube": lambda: boolean(body["require_tube"], "require_tube"),
        "family_max": lambda: integer(body["family_max"], "family_max", 1, 8),
        "retention_days": lambda: integer(body["retention_days"], "retention_days", 1, 365),
    }
    unknown = [k for k in body if k not in checks]
    if unknown:
        raise Invalid({k: "unknown" for k in unknown})
    changes = collect(**{k: v for k, v in checks.items() if k in body})
    return jsonify(settings.update_settings(get_backend(), site_id, changes))


@bp.get("/sites/<site_id>/rounds")
@require_staff
def list_rounds(site_id):
    backend = get_backend()
    return jsonify({"rounds": [rounds.round_figures(backend, site_id, r["id"])
                               for r in rounds.rounds(backend, site_id)]})


@bp.post("/sites/<site_id>/rounds")
@require_organizer
def new_round(site_id):
    body = request.get_json(silent=True) or {}
    name = clean_name(body.get("name"), "name", 60)
    request_id = idempotency_key()
    found, event = rounds.new_round(get_backend(), site_id, name, request_id)
    announce(event, site_id)
    return jsonify(found), 201


@bp.get("/sites/<site_id>/rounds/<round_id>")
@require_staff
def round_figures(site_id, round_id):
    return jsonify(rounds.round_figures(get_backend(), site_id, round_id))


@bp.get("/sites/<site_id>/rounds/<round_id>/export.<fmt>")
@require_organizer
def export(site_id, round_id, fmt):
    if fmt not in ("csv", "xlsx"):
        return api_error(404, "not_found", _l("Not found."))
    rows = records.export_rows(get_backend(), site_id, round_id, who(), fmt)
    name = f"{site_id}-round-{round_id}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    if fmt == "csv":
        return Response(records.to_csv(rows), mimetype="text/csv; charset=utf-8", headers=headers)
    return Response(records.to_xlsx(rows), headers=headers,
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


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


@bp.post("/sites/<site_id>/rounds/<round_id>/purge")
@require_organizer
def purge(site_id, round_id):
    backend = get_backend()
    days = settings.workflow_settings(backend, site_id)["retention_days"]
    return jsonify(rounds.purge_round(backend, site_id, round_id, days, who()))
