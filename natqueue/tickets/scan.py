"""What a code scanned at a station means, and when a resident may be checked in there.

A station's one scan field takes a tube's barcode (it opens the tube), a resident's ticket code
(it checks them in) or the number on their ID card (it finds their ticket, or offers a walk-in).
The check-in rules hold whether the code is scanned or staff press "arrived" naming their
station: the ticket was called, to that station, and is not on the home-sampling list.
"""

from natqueue.sampling import tubes
from natqueue.store.backend import Backend, QueueError
from natqueue.tickets import ids, views
from natqueue.tickets.documents import RESIDENT_ID, clean_document
from natqueue.tickets.moves import transition
from natqueue.validation import Invalid, mask_id_number, plain_code, plain_tube_code


def check_in(backend: Backend, ticket_id: str, station: int | None = None,
             request_id: str | None = None) -> tuple[dict, dict | None]:
    """Mark a called resident as arrived at the table.

    With ``station`` (the scanning console's, or the one the arrived button names) the ticket
    must have been called there: ``not_called``, ``on_home_list`` or ``called_elsewhere``
    otherwise, with the number or station to show. Without it only the move's own rule holds:
    a called ticket, else ``invalid_transition``.
    """
    if station is not None:
        current = views.get_ticket(backend, ticket_id)
        if current["status"] == "home":
            raise QueueError("on_home_list", number=current["number"])
        if current["status"] == "waiting":
            raise QueueError("not_called", number=current["number"])
        if current["status"] == "called" and current["station"] != station:
            raise QueueError("called_elsewhere", station=current["station"])
    return transition(backend, ticket_id, "check_in", request_id)


def scan(backend: Backend, secret: str, site_id: str, station: int, code: str,
         request_id: str | None = None) -> tuple[dict, dict | None, dict | None]:
    """Act on one scanned code: (the answer for the console, the site event, the ticket that
    changed). ``unknown_code`` when it is no tube, ticket or ID card of this site. An ID card
    with no live ticket changes nothing: the console offers a walk-in, its number masked.
    The code is read as the person meant it (full-width digits, stray spaces: ``plain_code``)."""
    code = plain_code(code, keep="-", upper=False)  # a ticket code's site id keeps its case and dashes
    tube_code = plain_tube_code(code)
    if tubes.is_tube_code(backend, site_id, tube_code):
        tube, event = tubes.open_tube(backend, site_id, str(station), tube_code, request_id=request_id)
        return {"kind": "tube", "tube": tube}, event, None
    ticket_id = ids.ticket_from_code(secret, code)
    if ticket_id is None:
        try:
            doc_type, id_number = clean_document(RESIDENT_ID, code)
        except Invalid:
            raise QueueError("unknown_code") from None
        ticket_id = views.live_ticket_of(backend, site_id, doc_type, id_number)
        if ticket_id is None:
            return {"kind": "document", "doc_type": doc_type, "id_number": mask_id_number(id_number)}, None, None
    if ids.site_of(ticket_id) != site_id:
        raise QueueError("unknown_code")
    ticket, event = check_in(backend, ticket_id, station, request_id)
    return {"kind": "ticket", "ticket": ticket}, event, ticket
