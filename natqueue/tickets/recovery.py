"""A resident gets their ticket back on this phone: the ID number and the phone number given at
the join prove it is theirs (``scripts/recover_ticket.lua``).

The answer to a pair that matches no live ticket is the same whether the ID is queued or not,
and wrong pairs are counted per client address and site and refused for a while past a limit,
checked and counted in the script itself as wrong staff codes are: the endpoint cannot be used
to learn who is in the queue.
"""

import hashlib
import secrets

from natqueue.keys import SiteKeys
from natqueue.store.backend import Backend, QueueError, request_key
from natqueue.tickets.documents import person_key
from natqueue.tickets.views import get_ticket

#: Wrong pairs tolerated per client and site per window before recovery is refused for a while.
RECOVER_FAIL_LIMIT = 10
RECOVER_FAIL_WINDOW_S = 300


def _digest(*parts: str) -> str:
    """Key names carry no ID number, phone or address, only a digest of them."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def recover(backend: Backend, site_id: str, doc_type: str, id_number: str, phone: str, client: str,
            request_id: str | None = None) -> dict:
    """The person's live ticket with a new token (the old one stops working), or
    ``QueueError('not_found')``. ``id_number`` and ``phone`` are cleaned as a join cleans them."""
    keys = SiteKeys(site_id)
    if not backend.redis.exists(keys.meta):
        raise QueueError("site_not_found", site_id)
    person = person_key(doc_type, id_number)
    result = backend.run(
        "RECOVER_TICKET",
        [keys.live_ids, keys.idem("recover:" + _digest(person, phone), request_key(request_id)),
         keys.recover_fails(_digest(client))],
        [person, phone, secrets.token_urlsafe(18), RECOVER_FAIL_LIMIT, RECOVER_FAIL_WINDOW_S],
        keys,
    )
    return get_ticket(backend, result[1], include_token=True)
