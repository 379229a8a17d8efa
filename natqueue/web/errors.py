"""One shape for every API error: ``{"error": {"code", "message", "fields"}}``."""

from flask import Blueprint, Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l

from natqueue.store.backend import QueueError
from natqueue.validation import Invalid

#: Status and human message for each domain error code.
QUEUE_ERRORS = {
    "site_not_found": (404, _l("No such site.")),
    "ticket_not_found": (404, _l("No such ticket.")),
    "station_not_found": (404, _l("No such station.")),
    "team_not_found": (404, _l("No such home team.")),
    "site_exists": (409, _l("A site with this id already exists.")),
    "already_queued": (409, _l("This ID number is already in the queue.")),
    "site_closed": (409, _l("All stations are closed; the queue is not taking new people.")),
    "station_not_open": (409, _l("This station is not open.")),
    "invalid_transition": (409, _l("The ticket cannot make that move from its current status.")),
    "forbidden": (403, _l("This ticket belongs to someone else.")),
    # a station's scan, and the arrived button naming its station (tickets.scan)
    "unknown_code": (404, _l("This code is not a ticket or a tube of this site.")),
    "on_home_list": (409, _l("This resident is on the home-sampling list.")),
    "not_called": (409, _l("This ticket has not been called yet.")),
    "called_elsewhere": (409, _l("This ticket was called to another station.")),
    "wrong_code": (403, _l("Wrong staff code.")),
    "too_many_attempts": (429, _l("Too many wrong tries; please wait a few minutes.")),
    "not_found": (404, _l("No ticket in the queue matches this ID number and mobile number.")),
    "return_window_passed": (409, _l("Too late to bring this resident back: they take a new number.")),
    "too_many_joins": (429, _l("Too many people joined from here just now. Please try again in a minute.")),
    "idempotency_key_reused": (422, _l("This request key was already used for another request. "
                                       "Send the request again with a new key.")),
    "bad_status": (400, _l("Unknown status.")),
    "bad_operation": (400, _l("Unknown operation.")),
    "bad_reason": (400, _l("Unknown pause reason.")),
    "stations_cannot_shrink": (409, _l("Stations can be added, not removed; close a station instead.")),
    "alert_not_found": (404, _l("No such alert.")),
    # the sampling workflow
    "tube_used": (409, _l("This tube code was already used at this site.")),
    "tube_used_elsewhere": (409, _l("This tube code was already used at another site.")),
    "tube_already_open": (409, _l("This station already has an open tube; close it first.")),
    "tube_changed": (409, _l("The station's tube changed since this sample was marked: "
                             "check which tube the swab is in, then mark it again.")),
    "no_open_tube": (409, _l("Open a tube first: scan its barcode.")),
    "tube_not_open": (409, _l("That tube is not open.")),
    "tube_not_found": (404, _l("No such tube.")),
    "same_tube": (409, _l("The sample is already in that tube.")),
    "not_in_tube": (409, _l("This sample is not in a tube.")),
    "single_tube_required": (409, _l("This resident must be tested alone: "
                                     "use a single-tube station, with its tube open.")),
    "already_sampled": (409, _l("This person was already sampled in this round.")),
    "already_voided": (409, _l("This sample is already void.")),
    "bad_mode": (400, _l("Unknown station mode.")),
    "round_not_found": (404, _l("No such round.")),
    "round_current": (409, _l("Start the next round before purging this one.")),
    "retention": (409, _l("The retention period of this round has not passed yet.")),
    "purged": (409, _l("This record's personal data was purged.")),
    # communities (natqueue/community)
    "community_not_found": (404, _l("No such community.")),
    "community_exists": (409, _l("A community with this id already exists.")),
    "site_in_community": (409, _l("This site already belongs to another community.")),
    "site_not_in_community": (400, _l("This site does not serve this community.")),
    "in_community": (409, _l("This site's rounds are started by its community, at all its sites at once.")),
    "no_sites": (409, _l("This community has no site yet.")),
    "conflict": (409, _l("Someone changed this at the same time; load it again and retry.")),
    "not_a_roster": (400, _l("This file is not a household roster: it needs a CSV (UTF-8) or XLSX file "
                             "with the columns compound, building, unit, room, name, doc_type, id_number, "
                             "phone, flags.")),
    "person_not_found": (404, _l("No such person on the roster.")),
    "household_not_found": (404, _l("No such household on the roster.")),
    "round_closed": (409, _l("This round is closed.")),
    "not_accounted": (409, _l("Not everyone on the roster is tested or exempt yet.")),
}


def api_error(status: int, code: str, message, fields: dict | None = None, **extra):
    body = {"code": code, "message": str(message), "fields": fields or {}}
    body.update(extra)
    return jsonify({"error": body}), status


def from_queue_error(exc: QueueError):
    status, message = QUEUE_ERRORS.get(exc.code, (400, exc.code))
    extra = dict(exc.data)
    if exc.code == "invalid_transition":
        extra["current_status"] = exc.detail
    if exc.code == "station_not_open":
        extra["station_status"] = exc.detail
    if exc.code == "already_queued" and "number" not in extra:
        message = _l("This ID number is already in the queue. "
                     "Enter the phone number it joined with to see its ticket number.")
    if exc.code == "too_many_joins":
        response, status = api_error(status, exc.code, message, retry_after_s=int(exc.detail or 60))
        response.headers["Retry-After"] = str(int(exc.detail or 60))
        return response, status
    return api_error(status, exc.code, message, **extra)


def invalid_fields(exc: Invalid):
    """Bad fields (``Invalid``, or any refusal with ``fields``): code ``invalid``, each field named."""
    return api_error(400, "invalid", _l("Some fields are not valid."), fields=exc.fields)


def api_blueprint(name: str, import_name: str, url_prefix: str | None = "/api/v1") -> Blueprint:
    """A blueprint whose refused changes and bad fields answer in the one error shape."""
    bp = Blueprint(name, import_name, url_prefix=url_prefix)
    bp.register_error_handler(QueueError, from_queue_error)
    bp.register_error_handler(Invalid, invalid_fields)
    return bp


def init_app(app: Flask) -> None:
    """An unknown address answers in the error shape under ``/api/``, the 404 page elsewhere;
    so does a method the address does not take (a ticket id with a '/' in it can land on a
    route of another method, found while matching, before any blueprint's own handler)."""

    @app.errorhandler(404)
    def _not_found(_exc):
        if request.path.startswith("/api/"):
            return api_error(404, "not_found", _l("Not found."))
        return render_template("404.html"), 404

    @app.errorhandler(405)
    def _method(exc):
        if request.path.startswith("/api/"):
            response, status = api_error(405, "method_not_allowed", _l("Method not allowed."))
            response.headers["Allow"] = ", ".join(exc.valid_methods or ())
            return response, status
        return exc
