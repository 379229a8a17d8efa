"""Socket.IO events.

``watch_site`` and ``watch_ticket`` put a client in the rooms that
``broadcast.announce`` writes to, and answer at once with what the client
needs to be exact: the ticket's state, and the site events it missed since
``last_id`` (or a fresh snapshot when those are gone). Handlers answer through
the acknowledgement: ``{"ok": true}`` or ``{"ok": false, "error": {...}}``.
"""

from flask_socketio import emit, join_room

from natqueue.sites import registry
from natqueue.store.backend import QueueError
from natqueue.store.feed import events_since
from natqueue.tickets import ids, views
from natqueue.web import get_backend, socketio
from natqueue.web.broadcast import public_ticket, site_room, ticket_room


def _refused(code: str, message: str) -> dict:
    return {"ok": False, "error": {"code": code, "message": message}}


def _catch_up(site_id: str, last_id: str | None) -> None:
    backend = get_backend()
    missed = events_since(backend, site_id, last_id) if last_id else None
    if missed is None:
        emit("site", registry.get_site(backend, site_id))
    elif missed:
        emit("site_events", {"site_id": site_id, "events": missed})


@socketio.on("watch_site")
def watch_site(data):
    site_id = (data or {}).get("site_id") if isinstance(data, dict) else None
    if not isinstance(site_id, str) or not registry.site_exists(get_backend(), site_id):
        return _refused("site_not_found", "No such site.")
    # Join before reading, so no event falls between the snapshot and the room.
    join_room(site_room(site_id))
    _catch_up(site_id, data.get("last_id"))
    return {"ok": True}


@socketio.on("watch_ticket")
def watch_ticket(data):
    if not isinstance(data, dict) or not isinstance(data.get("ticket_id"), str):
        return _refused("invalid", "ticket_id and token are required.")
    backend = get_backend()
    ticket_id = data["ticket_id"]
    try:
        views.check_holder(backend, ticket_id, data.get("token"))
    except QueueError as exc:
        return _refused(exc.code, str(exc))
    # Join before reading: an event that lands in between is older than the
    # snapshot's last_event_id and the phone skips it; none can be missed.
    join_room(ticket_room(ticket_id))
    join_room(site_room(ids.site_of(ticket_id)))
    emit("ticket", public_ticket(views.get_ticket(backend, ticket_id)))
    return {"ok": True}
