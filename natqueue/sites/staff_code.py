"""The staff code of a site: checked at sign-in, looked up by organizers, rotated to lock people out.

The code is kept beside its hash in the site's meta so that an organizer can read it again
(a site's laptop that restarts mid-round must not sign every station out, and a cadre who
forgot the code must not force a rotation that does). Only ``current_staff_code`` reads it,
behind the organizer token, and every such read is audited.
"""

import hashlib
import hmac
import secrets

from natqueue.keys import STAFF_FAILS_PREFIX, SiteKeys
from natqueue.store.backend import Backend, QueueError

#: Wrong staff codes tolerated per site per window before sign-in is refused for a while.
STAFF_FAIL_LIMIT = 10
STAFF_FAIL_WINDOW_S = 300


def code_hash(site_id: str, code: str) -> str:
    return hashlib.sha256(f"{site_id}:{code}".encode()).hexdigest()


def new_staff_code() -> str:
    """Eight digits: typed with gloves on a phone keypad, and 10^8 guesses behind a rate limit."""
    return f"{secrets.randbelow(10**8):08d}"


def rotate_staff_code(backend: Backend, site_id: str) -> str:
    """A new code; every staff token signed for the old one stops working."""
    keys = SiteKeys(site_id)
    if not backend.redis.exists(keys.meta):
        raise QueueError("site_not_found", site_id)
    code = new_staff_code()
    pipe = backend.redis.pipeline(transaction=True)
    pipe.hset(keys.meta, mapping={"staff_code_hash": code_hash(site_id, code), "staff_code": code})
    pipe.hincrby(keys.meta, "staff_version", 1)
    pipe.execute()
    return code


def check_staff_code(backend: Backend, site_id: str, code: str) -> int:
    """The site's staff version if ``code`` is right. Wrong codes are counted and, past a
    limit, refused for a while, so eight digits cannot be guessed online."""
    keys = SiteKeys(site_id)
    fails_key = STAFF_FAILS_PREFIX + site_id
    stored, version = backend.redis.hmget(keys.meta, "staff_code_hash", "staff_version")
    if stored is None:
        raise QueueError("site_not_found", site_id)
    if int(backend.redis.get(fails_key) or 0) >= STAFF_FAIL_LIMIT:
        raise QueueError("too_many_attempts", site_id)
    if not hmac.compare_digest(stored, code_hash(site_id, str(code))):
        pipe = backend.redis.pipeline(transaction=True)
        pipe.incr(fails_key)
        pipe.expire(fails_key, STAFF_FAIL_WINDOW_S)  # the lock-out runs from the latest wrong code
        pipe.execute()
        raise QueueError("wrong_code", site_id)
    return int(version)


def current_staff_code(backend: Backend, site_id: str) -> str | None:
    """The code staff sign in with now; None for a site made before codes were kept."""
    found = backend.redis.hmget(SiteKeys(site_id).meta, "id", "staff_code")
    if found[0] is None:
        raise QueueError("site_not_found", site_id)
    return found[1]


def staff_version(backend: Backend, site_id: str) -> int | None:
    value = backend.redis.hget(SiteKeys(site_id).meta, "staff_version")
    return None if value is None else int(value)
