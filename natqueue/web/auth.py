"""Who may do what: the organizer (one token, every site) and station staff (one site).

Staff sign in with their site's staff code and get a signed token that names
the site and the staff-code version; rotating the code bumps the version and
so signs every old token out. Browsers keep the token in an HttpOnly cookie
(SameSite=Lax, so another site cannot post with it); scripts send it as a
Bearer token.
"""

import functools
import hmac

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


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="natqueue-staff")


def issue_staff_token(site_id: str, version: int) -> str:
    return _serializer().dumps({"site": site_id, "v": version})


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


def staff_site(token: str | None) -> str | None:
    """The site a staff token is good for now, or None."""
    data = _signed(_serializer(), token, STAFF_TOKEN_MAX_AGE)
    if data is None:
        return None
    site_id = data.get("site")
    if staff_code.staff_version(get_backend(), site_id) != data.get("v"):
        return None
    return site_id


def credentials() -> list[str]:
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
    tokens = credentials()
    if not tokens:
        return _refuse(None)
    for token in tokens:
        if is_organizer_token(token):
            g.actor, g.team = "organizer", "organizer"
            return None
        claims = sweep_claims(token) if sweep_ok else None
        if claims and claims["community"] == community_id:
            g.actor, g.team = "sweep", claims["team"]
            return None
    return _refuse(False)


def may_act_for_site(site_id: str) -> bool | None:
    """True: allowed. False: credentials given but not good for this site. None: none given."""
    tokens = credentials()
    if not tokens:
        return None
    for token in tokens:
        if is_organizer_token(token):
            g.actor = "organizer"
            return True
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
        tokens = credentials()
        if not any(is_organizer_token(t) for t in tokens):
            return _refuse(None if not tokens else False)
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


def is_organizer() -> bool:
    """For pages: does this request carry the organizer token (header or cookie)?"""
    return any(is_organizer_token(t) for t in credentials())


def check_staff(site_id: str):
    """None when the caller may act for ``site_id``, else the error response."""
    allowed = may_act_for_site(site_id)
    return None if allowed else _refuse(allowed)
