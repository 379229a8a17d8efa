"""Who may do what: the organizer (one token, every site) and station staff (one site).

Staff sign in with their site's staff code and get a signed token that names
the site, the staff-code version and the token's own id; rotating the code bumps
the version and so signs every old token out, and a sign-out revokes that one
token by its id (other stations stay signed in). Browsers keep the token in an
HttpOnly cookie; scripts send it as a Bearer token. Cookies are ``Secure`` when
the request came over TLS (behind a proxy, as ``NATQ_TRUSTED_PROXIES`` says).

The organizer's browser never holds the organizer token: signing in trades it
for a signed session that names a hash of the token, so a copied cookie does not
reveal it, and changing ``NATQ_ADMIN_TOKEN`` signs every organizer browser out.
SameSite does not stop a page on another port of the same host: ``csrf.py`` does.
"""

import functools
import hashlib
import hmac
import secrets

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer

from natqueue.sites import staff_code
from natqueue.tickets import ids
from natqueue.web import get_backend
from natqueue.web.errors import api_error

STAFF_COOKIE = "natq_staff"
#: The organizer's browser keeps the organizer token here after signing in at /api/v1/auth/organizer.
ORGANIZER_COOKIE = "natq_org"
ORGANIZER_COOKIE_MAX_AGE = 12 * 3600
#: A shift is 12 hours; a token outlives it a little so a late hand-over is not locked out.
STAFF_TOKEN_MAX_AGE = 16 * 3600


def _serializer(salt: str = "natqueue-staff") -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def issue_staff_token(site_id: str, version: int) -> str:
    return _serializer().dumps({"site": site_id, "v": version, "j": secrets.token_urlsafe(9)})


def _organizer_mark() -> str:
    """What an organizer session names: a hash of the organizer token, not the token."""
    return hashlib.sha256(b"natqueue-organizer:" + current_app.config["NATQ_ADMIN_TOKEN"].encode()).hexdigest()[:24]


def issue_organizer_session() -> str:
    return _serializer("natqueue-organizer").dumps({"o": _organizer_mark()})


def is_organizer_session(value: str | None) -> bool:
    """A signed session made for the organizer token in force now (and not older than the cookie)."""
    if not value:
        return False
    try:
        data = _serializer("natqueue-organizer").loads(value, max_age=ORGANIZER_COOKIE_MAX_AGE)
    except BadSignature:
        return False
    return isinstance(data, dict) and hmac.compare_digest(str(data.get("o")), _organizer_mark())


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip() or None
    return None


def is_organizer_token(token: str | None) -> bool:
    expected = current_app.config["NATQ_ADMIN_TOKEN"]
    if not isinstance(token, str) or not token:  # a socket payload may carry anything
        return False
    return hmac.compare_digest(token.encode("utf-8", "surrogatepass"), expected.encode())


def _signed(serializer: URLSafeTimedSerializer, token: str | None, max_age: int) -> dict | None:
    """What a token signed by us says, or None: missing, forged or older than ``max_age``."""
    if not token:
        return None
    try:
        return serializer.loads(token, max_age=max_age)
    except BadSignature:
        return None


def read_staff_token(token: str | None) -> tuple[dict, int] | None:
    """(what a staff token says, when it was signed in s) if it is one of ours and not expired."""
    if not token:
        return None
    try:
        data, signed_at = _serializer().loads(token, max_age=STAFF_TOKEN_MAX_AGE, return_timestamp=True)
    except BadSignature:
        return None
    return (data, int(signed_at.timestamp())) if isinstance(data, dict) else None


def staff_site(token: str | None) -> str | None:
    """The site a staff token is good for now, or None: signed by us, not expired, of the
    staff code in force, and not signed out."""
    read = read_staff_token(token)
    if read is None or not isinstance(read[0].get("site"), str):
        return None
    data = read[0]
    version, revoked = staff_code.token_state(get_backend(), data["site"], data.get("j"))
    if revoked or version != data.get("v"):
        return None
    return data["site"]


def staff_tokens() -> list[str]:
    """The staff tokens this request carries: its Bearer header, its cookie."""
    return [t for t in (_bearer(), request.cookies.get(STAFF_COOKIE)) if t]


def credentials() -> list[str]:
    """Everything this request offers as a credential (to tell 401 from 403)."""
    found = [_bearer(), request.cookies.get(STAFF_COOKIE), request.cookies.get(ORGANIZER_COOKIE),
             request.cookies.get(SWEEP_COOKIE)]
    return [t for t in found if t]


# --- sweep teams: one community, not a site --------------------------------------------------

#: A sweep team's phone keeps its token here after signing in at /api/v1/auth/sweep.
SWEEP_COOKIE = "natq_sweep"
SWEEP_TOKEN_MAX_AGE = STAFF_TOKEN_MAX_AGE


def _sweep_serializer() -> URLSafeTimedSerializer:
    """Its own salt: a staff token is never a sweep token, nor the other way round."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="natqueue-sweep")


def issue_sweep_token(community_id: str, version: int, team: str) -> str:
    return _sweep_serializer().dumps({"community": community_id, "v": version, "team": team})


def sweep_claims(token: str | None) -> dict | None:
    """``{community, team}`` of a sweep token good now (its code not rotated since), or None."""
    from natqueue.community import communities

    data = _signed(_sweep_serializer(), token, SWEEP_TOKEN_MAX_AGE)
    if data is None:
        return None
    community_id = data.get("community")
    if not isinstance(community_id, str) or communities.sweep_version(get_backend(), community_id) != data.get("v"):
        return None
    return {"community": community_id, "team": data.get("team") or ""}


def check_community(community_id: str, sweep_ok: bool = True):
    """None when the caller is the organizer, or (``sweep_ok``) a sweep team of this very
    community; else the error response. Sets ``g.actor`` and ``g.team``."""
    if not credentials():
        return _refuse(None)
    if is_organizer():
        g.actor, g.team = "organizer", "organizer"
        return None
    for token in (_bearer(), request.cookies.get(SWEEP_COOKIE)):
        claims = sweep_claims(token) if sweep_ok else None
        if claims and claims["community"] == community_id:
            g.actor, g.team = "sweep", claims["team"]
            return None
    return _refuse(False)


def may_act_for_site(site_id: str) -> bool | None:
    """True: allowed. False: credentials given but not good for this site. None: none given."""
    if not credentials():
        return None
    if is_organizer():
        g.actor = "organizer"
        return True
    for token in staff_tokens():
        if staff_site(token) == site_id:
            g.actor = "staff"
            return True
    return False


def _refuse(allowed: bool | None):
    if allowed is None:
        return api_error(401, "unauthorized", _l("Sign in first."))
    return api_error(403, "forbidden", _l("These credentials are not good for this."))


def require_organizer(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if not is_organizer():
            return _refuse(None if not credentials() else False)
        g.actor = "organizer"
        return view(*args, **kwargs)

    return wrapped


def require_staff(view):
    """Staff of the site the route names (``site_id``, or the site of ``ticket_id``), or the organizer."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        site_id = kwargs.get("site_id") or ids.site_of(kwargs["ticket_id"])
        refused = check_staff(site_id)
        if refused is not None:
            return refused
        return view(*args, **kwargs)

    return wrapped


def require_metrics_reader(view):
    """The organizer, or Prometheus with the scrape token (``NATQ_METRICS_TOKEN``), which opens
    nothing else."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        scrape = current_app.config.get("NATQ_METRICS_TOKEN")
        bearer = _bearer()
        if is_organizer() or (scrape and bearer and hmac.compare_digest(
                bearer.encode("utf-8", "surrogatepass"), scrape.encode())):
            return view(*args, **kwargs)
        return _refuse(None if not credentials() else False)

    return wrapped


def is_organizer() -> bool:
    """Does this request carry the organizer token (Bearer) or an organizer session (cookie)?"""
    return is_organizer_token(_bearer()) or is_organizer_session(request.cookies.get(ORGANIZER_COOKIE))


def check_staff(site_id: str):
    """None when the caller may act for ``site_id``, else the error response."""
    allowed = may_act_for_site(site_id)
    return None if allowed else _refuse(allowed)
