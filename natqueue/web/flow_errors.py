"""Status and message of the workflow's error codes, added to the shared table at start-up."""

from flask_babel import lazy_gettext as _l

from natqueue.web.errors import QUEUE_ERRORS

FLOW_ERRORS = {
    "tube_used": (409, _l("This tube code was already used at this site.")),
    "tube_already_open": (409, _l("This station already has an open tube; close it first.")),
    "no_open_tube": (409, _l("Open a tube first: scan its barcode.")),
    "tube_not_open": (409, _l("That tube is not open.")),
    "tube_not_found": (404, _l("No such tube.")),
    "same_tube": (409, _l("The sample is already in that tube.")),
    "not_in_tube": (409, _l("This sample is not in a tube.")),
    "single_tube_required": (409, _l("This resident must be tested alone: use a single-tube station.")),
    "already_sampled": (409, _l("This person was already sampled in this round.")),
    "already_voided": (409, _l("This sample is already void.")),
    "bad_mode": (400, _l("Unknown station mode.")),
    "round_not_found": (404, _l("No such round.")),
    "round_current": (409, _l("Start the next round before purging this one.")),
    "retention": (409, _l("The retention period of this round has not passed yet.")),
    "purged": (409, _l("This record's personal data was purged.")),
}


def register() -> None:
    QUEUE_ERRORS.update(FLOW_ERRORS)
