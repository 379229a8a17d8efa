"""Socket.IO events: every handler natqueue has.

``watch_site`` and ``watch_ticket`` put a client in the rooms that
``broadcast.announce`` writes to; ``watch_dashboard`` puts an organizer in the rooms
``push`` writes the figures to; ``watch_community`` puts the organizer or a sweep team in
the room of a community's coverage events (``broadcast.announce_coverage``). Each answers
at once with what the client needs to be exact: the ticket's state, the site events it
missed since ``last_id`` (or a fresh snapshot when those are gone), the figures of the
sites watched. Handlers answer through
the acknowledgement: ``{"ok": true}`` or ``{"ok": false, "error": {...}}``; a refusal
also comes as an ``error`` event. Payloads are checked for type, and whatever a handler
raises is answered the same way (``_refuse_on_error``), never left unanswered.
"""

import redis
from flask import current_app
from flask_socketio import emit, join_room

from natqueue.figures import dashboard
from natqueue.sites import registry
from natqueue.store.backend import QueueError
from natqueue.store.feed import events_since
from natqueue.tickets import ids, views
from natqueue.web import get_backend, socketio
from natqueue.web.auth import credentials, is_organizer, is_organizer_token, sweep_claims
from natqueue.web.broadcast import community_room, public_ticket, site_room, ticket_room
from natqueue.web.errors import QUEUE_ERRORS
from natqueue.web.guards import UNAVAILABLE
from natqueue.web.push import EVERY_SITE_ROOM, dashboard_room, ensure_ticker
from natqueue.web.socket_input import BadPayload, is_text, payload, refuse, text


@socketio.on_error_default
def _refuse_on_error(exc):
    """Whatever a handler raises, the client hears why and the server goes on."""
    if isinstance(exc, BadPayload):
        return refuse("invalid", "The event's payload is not valid.", exc.fields)
    if isinstance(exc, QueueError):
        return refuse(exc.code, QUEUE_ERRORS.get(exc.code, (400, exc.code))[1])
    if isinstance(exc, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError):
        return refuse("unavailable", UNAVAILABLE)
    current_app.logger.exception("socket event failed")
    return refuse("internal", "The event could not be handled.")


def _catch_up(site_id: str, last_id: str | None) -> None:
    backend = get_backend()
    missed = events_since(backend, site_id, last_id) if last_id else None
    if missed is None:
        emit("site", registry.get_site(backend, site_id))
    elif missed:
        emit("site_events", {"site_id": site_id, "events": missed})


@socketio.on("watch_site")
def watch_site(data):
    """``{"site_id", "last_id": the last event seen, or none}``."""
    data = payload(data)
    site_id = text(data, "site_id", limit=100)
    last_id = data.get("last_id")
    if last_id is not None and not isinstance(last_id, str):  # an unknown string gets a snapshot
        raise BadPayload({"last_id": "string_required"})
    if not registry.site_exists(get_backend(), site_id):
        raise QueueError("site_not_found", site_id)
    # Join before reading, so no event falls between the snapshot and the room.
    join_room(site_room(site_id))
    _catch_up(site_id, last_id)
    return {"ok": True}


@socketio.on("watch_ticket")
def watch_ticket(data):
    """``{"ticket_id", "token"}``. With the ticket's token: the holder's room, which hears each
    change of the ticket. Without one (``"token": null``, a forwarded link): the site's room only,
    after the ticket as anyone with its link sees it; such a page follows "ahead" from the site's
    events and reads the ticket again when an event names its number, so no change costs a
    second emit."""
    data = payload(data)
    ticket_id = text(data, "ticket_id", limit=200)
    token = text(data, "token", required=False)
    backend = get_backend()
    if token is None:
        views.check_exists(backend, ticket_id)
    else:
        views.check_holder(backend, ticket_id, token)
    # Join before reading: an event that lands in between is older than the
    # snapshot's last_event_id and the phone skips it; none can be missed.
    if token is not None:
        join_room(ticket_room(ticket_id))
    join_room(site_room(ids.site_of(ticket_id)))
    ticket = views.get_ticket(backend, ticket_id)
    if token is None:
        emit("ticket", views.watcher_view(ticket))
        return {"ok": True, "watching": True}
    emit("ticket", public_ticket(ticket))
    return {"ok": True}


@socketio.on("watch_dashboard")
def watch_dashboard(data):
    """Organizer only. ``{"site_ids": [...]}`` (or none: every site); answers with the figures."""
    data = {} if data is None else payload(data)
    token = text(data, "token", required=False)
    wanted = data.get("site_ids")
    if wanted is not None and not (isinstance(wanted, list) and all(is_text(s, 100) for s in wanted)):
        raise BadPayload({"site_ids": "list_of_strings_required"})
    if not (is_organizer() or is_organizer_token(token)):
        return refuse("forbidden", "Organizer sign-in required.")
    backend = get_backend()
    known = registry.list_site_ids(backend)
    site_ids = known if wanted is None else [s for s in wanted if s in known]
    if wanted is None:
        join_room(EVERY_SITE_ROOM)
    for site_id in site_ids:
        join_room(dashboard_room(site_id))
    ensure_ticker(current_app._get_current_object())
    return {"ok": True, "sites": [dashboard.site_stats(backend, s) for s in site_ids]}


@socketio.on("watch_community")
def watch_community(data):
    """``{"community", "token"?}``: the organizer, or a sweep team of that very community."""
    data = payload(data)
    community_id = text(data, "community", limit=100)
    token = text(data, "token", required=False)
    allowed = is_organizer() or is_organizer_token(token)
    if not allowed:
        claims = [sweep_claims(t) for t in [*credentials(), token] if t]
        allowed = any(c and c["community"] == community_id for c in claims)
    if not allowed:
        return refuse("forbidden", "Sign in first.")
    join_room(community_room(community_id))
    return {"ok": True}
