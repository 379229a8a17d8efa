"""Another page cannot act with a signed-in browser's cookies (cross-site request forgery).

The staff and organizer cookies are SameSite, but "site" means the registrable domain: a page
on another port of the same host, or on a sibling host, is the same site, and the browser sent
the cookies with its plain HTML form. So, before any view, every request that may change state:

- must not carry a form's body (415 ``json_required``): urlencoded, multipart or text/plain
  are what any page can post without asking (CORS "simple" requests); natqueue's pages send
  JSON, and the one upload (a community roster) its file's own type;
- when it is authenticated by cookie alone (no ``Authorization`` header, which another page
  cannot add), must come from one of natqueue's own pages: its ``Origin``, else its ``Referer``,
  names this server's host (or ``NATQ_PUBLIC_URL``'s) or the request is refused (403
  ``cross_origin``). A request with neither header is not from a browser page's script.

Hosts are compared with their ports and without the scheme: behind a TLS proxy the app may
see http while the page is https, and another page would need this very host and port.
"""

from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l

from natqueue.web.auth import ORGANIZER_COOKIE, STAFF_COOKIE, SWEEP_COOKIE
from natqueue.web.errors import api_error

#: Every cookie that signs a browser in: staff, organizer, a community's sweep team.
SIGN_IN_COOKIES = (STAFF_COOKIE, ORGANIZER_COOKIE, SWEEP_COOKIE)
SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))
#: The body types another site's page may send without a preflight: a form's.
FORM_TYPES = frozenset(("application/x-www-form-urlencoded", "multipart/form-data", "text/plain"))


def _host_of(url: str | None) -> str | None:
    try:
        parts = urlsplit(url or "")
        return parts.netloc.lower() if parts.scheme in ("http", "https") and parts.netloc else None
    except ValueError:
        return None


def own_hosts() -> set[str]:
    """The hosts natqueue's pages are served from: this request's, and the public address."""
    found = {request.host.lower()}
    public = _host_of(current_app.config.get("NATQ_PUBLIC_URL"))
    if public:
        found.add(public)
    return found


def _by_cookie_alone() -> bool:
    if request.headers.get("Authorization"):
        return False
    return any(request.cookies.get(name) for name in SIGN_IN_COOKIES)


def _from_elsewhere() -> bool:
    """True when the request names a page that is not ours (an ``Origin`` of ``null`` included)."""
    origin = request.headers.get("Origin")
    if origin is not None:
        return _host_of(origin) not in own_hosts()
    referer = request.headers.get("Referer")
    if referer is not None:
        return _host_of(referer) not in own_hosts()
    return False


def check_request():
    """Before every request: refuse a form body, and a cookie's state change from another page."""
    if request.method in SAFE_METHODS:
        return None
    if request.mimetype in FORM_TYPES:
        return api_error(415, "json_required", _l("Send the request as JSON."))
    if _by_cookie_alone() and _from_elsewhere():
        current_app.logger.warning("refused %s %s from %s", request.method, request.path,
                                   request.headers.get("Origin") or request.headers.get("Referer"))
        return api_error(403, "cross_origin", _l("This request came from a page that is not natqueue's."))
    return None


def init_app(app: Flask) -> None:
    app.before_request(check_request)
