"""Ticket ids and the codes residents show at the table."""

import hashlib
import hmac
import secrets

from natqueue.store.backend import QueueError

_SEPARATOR = "."


def new_ticket_id(site_id: str) -> str:
    """``<site>.<random>``: the site is recoverable from the id alone, the rest unguessable."""
    return f"{site_id}{_SEPARATOR}{secrets.token_hex(6)}"


def site_of(ticket_id: str) -> str:
    site_id, sep, rest = ticket_id.rpartition(_SEPARATOR)
    if not sep or not site_id or not rest:
        raise QueueError("ticket_not_found", ticket_id)
    return site_id


_CODE_PREFIX = "QN"


def ticket_code(secret: str, ticket_id: str) -> str:
    """What the resident's QR code holds: the ticket id and a short keyed check, never the ID number."""
    check = hmac.new(secret.encode(), ticket_id.encode(), hashlib.sha256).hexdigest()[:6].upper()
    return f"{_CODE_PREFIX}.{ticket_id}.{check}"


def ticket_from_code(secret: str, code: str) -> str | None:
    """The ticket id a scanned code names, or None when it is not one of ours (or was altered)."""
    code = code.strip()
    if not code.isascii() or not code.upper().startswith(_CODE_PREFIX + "."):
        return None  # (compare_digest takes ASCII only; no code of ours is anything else)
    body = code[len(_CODE_PREFIX) + 1:]
    ticket_id, sep, _check = body.rpartition(".")
    if not sep or not ticket_id:
        return None
    # Ticket ids are lower case (site id, hex): a scanner left in caps lock still finds the ticket.
    ticket_id = ticket_id.lower()
    expected = ticket_code(secret, ticket_id)
    return ticket_id if hmac.compare_digest(expected.upper(), code.upper()) else None
