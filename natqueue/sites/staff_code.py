"""The staff code of a site: checked at sign-in, looked up by organizers, rotated to lock people out.

The code is kept beside its hash in the site's meta so that an organizer can read it again
(a site's laptop that restarts mid-round must not sign every station out, and a cadre who
forgot the code must not force a rotation that does). Only ``current_staff_code`` reads it,
behind the organizer token, and every such read is audited.
"""

import hashlib
import secrets

from natqueue.keys import SiteKeys
from natqueue.store.backend import Backend, QueueError, request_key

#: Wrong staff codes from one client address before that address is refused for the window:
#: a worker's typos, never a guess. A stranger who reaches it locks out only their own address.
STAFF_FAIL_LIMIT_ADDRESS = 10
#: Wrong staff codes at one site, from any number of addresses, before every sign-in there is
#: refused for the window. Twenty strangers' worth of typos; a guess spread over many addresses
#: gets at most this many tries per window: 57,600 a day against 10^8 codes.
STAFF_FAIL_LIMIT_SITE = 200
#: Each counter lasts this long after its latest wrong code (s).
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


def check_staff_code(backend: Backend, site_id: str, code: str, client: str = "") -> int:
    """The site's staff version if ``code`` is right. Wrong codes are counted per ``client``
    (its address) and per site and, past either limit, refused for a while without being
    checked, so eight digits cannot be guessed online and a stranger cannot lock staff out.
    Check and count are one script: codes sent at once cannot slip past the limit."""
    keys = SiteKeys(site_id)
    return check_code(backend, keys, [keys.meta, keys.staff_fails, keys.staff_fails_from(client)],
                      code_hash(site_id, str(code)), ("staff_code_hash", "staff_version"), "site_not_found")


def check_code(backend: Backend, keys, script_keys: list, offered_hash: str, fields: tuple[str, str],
               not_found: str) -> int:
    """Any sign-in code (a site's staff code, a community's sweep code) through the one script
    that checks and counts at once (``sign_in_code.lua``); ``fields`` name the meta fields of
    the code's hash and version, ``not_found`` the refusal when there is no such place."""
    try:
        result = backend.run("SIGN_IN_CODE", script_keys,
                             [offered_hash, STAFF_FAIL_LIMIT_SITE, STAFF_FAIL_LIMIT_ADDRESS, STAFF_FAIL_WINDOW_S,
                              *fields], keys)
    except QueueError as exc:
        if exc.code == "not_found":
            raise QueueError(not_found, keys.base) from None
        raise
    return int(result[1])


def current_staff_code(backend: Backend, site_id: str) -> str | None:
    """The code staff sign in with now; None for a site made before codes were kept."""
    found = backend.redis.hmget(SiteKeys(site_id).meta, "id", "staff_code")
    if found[0] is None:
        raise QueueError("site_not_found", site_id)
    return found[1]


def staff_version(backend: Backend, site_id: str) -> int | None:
    value = backend.redis.hget(SiteKeys(site_id).meta, "staff_version")
    return None if value is None else int(value)


def token_state(backend: Backend, site_id: str, token_id: str | None) -> tuple[int | None, bool]:
    """(the site's staff version, whether the token ``token_id`` was signed out): one round trip,
    as every staff request asks it."""
    keys = SiteKeys(site_id)
    pipe = backend.redis.pipeline(transaction=False)
    pipe.hget(keys.meta, "staff_version")
    pipe.zscore(keys.revoked, token_id or "")
    version, revoked = pipe.execute()
    return (None if version is None else int(version)), revoked is not None


def revoke_token(backend: Backend, site_id: str, token_id: str, until_ms: int,
                 request_id: str | None = None) -> None:
    """Sign one staff token out (``until_ms``: when it would expire anyway). Other stations stay
    signed in: only rotating the staff code signs everyone out."""
    keys = SiteKeys(site_id)
    backend.run("REVOKE_TOKEN", [keys.idem("revoke", request_key(request_id)), keys.revoked],
                [token_id, until_ms], keys)
