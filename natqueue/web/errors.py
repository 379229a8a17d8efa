"""One shape for every API error: ``{"error": {"code", "message", "fields"}}``."""

from flask import jsonify
from flask_babel import lazy_gettext as _l

from natqueue.backend import QueueError

#: Status and human message for each domain error code.
QUEUE_ERRORS = {
    "site_not_found": (404, _l("No such site.")),
    "ticket_not_found": (404, _l("No such ticket.")),
    "station_not_found": (404, _l("No such station.")),
    "site_exists": (409, _l("A site with this id already exists.")),
    "already_queued": (409, _l("This ID number is already in the queue.")),
    "site_closed": (409, _l("All stations are closed; the queue is not taking new people.")),
    "station_not_open": (409, _l("This station is not open.")),
    "invalid_transition": (409, _l("The ticket cannot make that move from its current status.")),
    "forbidden": (403, _l("This ticket belongs to someone else.")),
    "wrong_code": (403, _l("Wrong staff code.")),
    "too_many_attempts": (429, _l("Too many wrong codes; wait a few minutes.")),
    "bad_status": (400, _l("Unknown status.")),
    "bad_operation": (400, _l("Unknown operation.")),
    "bad_reason": (400, _l("Unknown pause reason.")),
    "stations_cannot_shrink": (409, _l("Stations can be added, not removed; close a station instead.")),
    "alert_not_found": (404, _l("No such alert.")),
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
    return api_error(status, exc.code, message, **extra)
