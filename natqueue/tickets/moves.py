"""Every move of a ticket after it joined: called, recalled, checked in, no-show, sampled,
cancelled, and the marks staff set on it.

Each change is one Lua script, keyed by a request id so a retry replays instead of acting
twice. Functions return the ticket as its holder sees it plus the site event to broadcast,
and never message phones themselves: the web layer does that, once per change.
"""


from natqueue.community import coverage
from natqueue.keys import SiteKeys
from natqueue.store.backend import Backend, QueueError, request_key
from natqueue.store.feed import event_of
from natqueue.tickets.ids import site_of
from natqueue.tickets.views import get_ticket

STATUSES = ("waiting", "called", "sampled", "no_show", "cancelled")


LIVE = ("waiting", "called")


#: Staff moves; ``cancel`` is the holder's (or staff's) way out.
OPERATIONS = ("recall", "check_in", "no_show", "sampled", "cancel")


def call_next(backend: Backend, site_id: str, station: int,
              request_id: str | None = None) -> tuple[dict | None, dict | None]:
    """The next waiting ticket, now called to ``station``; (None, None) when nobody waits."""
    keys = SiteKeys(site_id)
    result = backend.run(
        "CALL_NEXT",
        [keys.stations, keys.waiting, keys.events, keys.idem(f"call:{station}", request_key(request_id)),
         keys.serving(station), keys.calling],
        [station, keys.ticket_prefix],
        keys,
    )
    if result[0] == "empty" or (result[0] == "replay" and not result[1]):
        return None, None
    ticket = get_ticket(backend, result[1])
    # The rest of a household, called with it to the same station.
    ticket["also_called"] = [get_ticket(backend, tid) for tid in (result[4] if len(result) > 4 else [])]
    return ticket, event_of(result)


def transition(backend: Backend, ticket_id: str, op: str, request_id: str | None = None,
               holder_token: str | None = None, expect_tube: str | None = None) -> tuple[dict, dict | None]:
    """recall / check_in / no_show / sampled / cancel.

    ``holder_token`` set means the holder acts, and it must match the ticket's. ``expect_tube``
    (sampled only): the tube the station had open when the mark was made, '-' for none; the
    sample is refused (``tube_changed``) if that is no longer the station's open tube."""
    if op not in OPERATIONS:
        raise QueueError("bad_operation", op)
    keys = SiteKeys(site_of(ticket_id))
    result = backend.run(
        "TRANSITION",
        [keys.ticket(ticket_id), keys.waiting, keys.live_ids, keys.events,
         keys.idem(f"{op}:{ticket_id}", request_key(request_id)), keys.served, keys.stations, keys.calling],
        [op, holder_token or "", expect_tube or ""],
        keys,
    )
    coverage.after_site_script(backend, result)  # a sample (or a home visit cancelled) counts for its community
    return get_ticket(backend, result[1]), event_of(result)


def set_flags(backend: Backend, ticket_id: str, priority: str | None, single: str | None,
              request_id: str | None = None) -> tuple[dict, dict | None]:
    """Staff set (reason), clear ('') or keep (None) a ticket's priority and single-tube marks."""
    keys = SiteKeys(site_of(ticket_id))
    result = backend.run(
        "SET_FLAGS", keys.flow_keys(f"flags:{ticket_id}", request_key(request_id)),
        [keys.ticket(ticket_id), "-" if priority is None else priority, "-" if single is None else single],
        keys,
    )
    event = event_of(result)
    return get_ticket(backend, ticket_id), event


def return_no_show(backend: Backend, ticket_id: str, request_id: str | None = None) -> tuple[dict, dict | None]:
    """Staff bring a no-show back within the site's return window: called again at the station
    that passed them, as its current person (``scripts/return_no_show.lua``)."""
    keys = SiteKeys(site_of(ticket_id))
    try:
        result = backend.run(
            "RETURN_NO_SHOW",
            [keys.ticket(ticket_id), keys.live_ids, keys.events,
             keys.idem(f"return:{ticket_id}", request_key(request_id)), keys.stations, keys.calling, keys.waiting],
            [],
            keys,
        )
    except QueueError as exc:
        if exc.code == "already_queued":  # took a new number meanwhile: staff call that one
            raise QueueError("already_queued", ticket_id, number=exc.detail) from None
        raise
    return get_ticket(backend, result[1]), event_of(result)
