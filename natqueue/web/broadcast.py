"""Telling phones and boards what changed: one broadcast per change, never one per phone.

A site event goes once to the site's room; every watching phone adjusts its
own count from it. The one ticket whose status changed gets its new state in
its own room. Emits are hints: a lost one is repaired when the client resyncs.
"""

from natqueue.figures import metrics
from natqueue.web import push, socketio


def site_room(site_id: str) -> str:
    return f"site:{site_id}"


def ticket_room(ticket_id: str) -> str:
    return f"ticket:{ticket_id}"


def community_room(community_id: str) -> str:
    return f"community:{community_id}"


def public_ticket(ticket: dict) -> dict:
    """What the holder's phone is sent (never the token)."""
    return {k: v for k, v in ticket.items() if k != "token"}


def announce_ticket(ticket: dict) -> None:
    """A holder's phone hears about a ticket that changed alongside another (a household
    called with its first member): its state only, the site event was announced with the first."""
    socketio.emit("ticket", public_ticket(ticket), to=ticket_room(ticket["id"]))


def announce(event: dict | None, site_id: str, ticket: dict | None = None) -> None:
    if event is not None:
        socketio.emit("site_event", event, to=site_room(site_id))
        metrics.broadcast_sent(event["id"])  # the emit lag an operator watches (/metrics)
    if ticket is not None and event is not None:
        socketio.emit("ticket", public_ticket(ticket), to=ticket_room(ticket["id"]))
    if event is not None:
        push.site_changed(site_id)  # the organizer's figures, coalesced


def announce_coverage(community_id: str, changes: list[dict]) -> None:
    """The backend's coverage hook (natqueue.community.coverage): one event per change of a
    community's counts to its room, the organizer's page and its sweep phones. A hint: they
    refetch what they show."""
    socketio.emit("coverage", {"community": community_id, "changes": changes}, to=community_room(community_id))
