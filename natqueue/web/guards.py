"""What every request passes before a view sees it, so that no view has to remember it.

- A JSON body is read once, bounded: at most ``MAX_CONTENT_LENGTH`` bytes (413), nested at
  most ``MAX_JSON_DEPTH`` deep, and without lone surrogates (which Redis cannot store),
  else 400 in the one error shape. 100,000 '[' once raised RecursionError on every endpoint.
- Redis away (frozen, killed, failing over) is a JSON 503 with ``Retry-After`` on the API,
  and on a page a short note in the page's language that reloads itself; never a 500.
- A route naming a site answers 404 when there is no such site, one naming a station
  when the site has no such station, one naming a home team outside 1..``MAX_HOME_TEAM``:
  before any view runs, so nothing is written for a station 999 or a team 100000.
"""

import json

import redis
from flask import Flask, current_app, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from natqueue.keys import SiteKeys
from natqueue.sampling.home import MAX_HOME_TEAM
from natqueue.store.backend import QueueError
from natqueue.web.errors import QUEUE_ERRORS, api_error, from_queue_error, invalid_fields

#: Deeper than any body the pages send (a household is 3 levels); far below Python's recursion limit.
MAX_JSON_DEPTH = 32


class BodyError(Exception):
    """A JSON body refused as a whole (``invalid_json``) or for one field (``invalid``).
    Not a ValueError, so that ``get_json(silent=True)`` does not turn it into "no body"."""

    def __init__(self, code: str, fields: dict | None = None):
        super().__init__(code)
        self.code = code
        self.fields = fields or {}


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_parsed(value) -> None:
    """Walk a parsed body without recursion: refuse it when deeper than ``MAX_JSON_DEPTH``,
    and name the first field whose key or text holds a lone surrogate."""
    if isinstance(value, str) and _has_lone_surrogate(value):
        raise BodyError("invalid", {"body": "format"})
    stack = [(value, "", 1)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, dict | list) and depth > MAX_JSON_DEPTH:
            raise BodyError("invalid_json")
        children = item.items() if isinstance(item, dict) else enumerate(item) if isinstance(item, list) else ()
        for key, child in children:
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and _has_lone_surrogate(key):
                raise BodyError("invalid", {name.encode("utf-8", "backslashreplace").decode(): "format"})
            if isinstance(child, str):
                if _has_lone_surrogate(child):
                    raise BodyError("invalid", {name: "format"})
            elif isinstance(child, dict | list):
                stack.append((child, name, depth + 1))


def bounded_loads(text, **kwargs):
    """``json.loads`` that cannot blow the stack: the C parser raises RecursionError, caught."""
    try:
        value = json.loads(text, **kwargs)
    except RecursionError:
        raise BodyError("invalid_json") from None
    check_parsed(value)
    return value


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, its ``loads`` (request bodies) bounded."""

    def loads(self, s, **kwargs):
        return bounded_loads(s, **kwargs)


class SocketJSON:
    """The JSON module python-socketio decodes packets with: depth-bounded too. A refused
    packet is dropped (python-socketio logs it); handlers check the types of the rest."""

    @staticmethod
    def dumps(*args, **kwargs):
        return json.dumps(*args, **kwargs)

    @staticmethod
    def loads(text, **kwargs):
        try:
            return json.loads(text, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deep") from None


def _read_json_body():
    """Parse a JSON body before the view (once; the view's ``get_json`` reuses it)."""
    if not request.is_json or request.content_length == 0 or not request.get_data(cache=True):
        return None  # no body (a GET from a client that sets Content-Type on everything)
    try:
        request.get_json()  # BodyError and RequestEntityTooLarge go to their handlers
    except BadRequest:  # not JSON at all
        return _invalid_json()
    return None


def _station_count(site_id: str) -> int | None:
    """The site's number of stations (None: no such site). Sites are never removed and
    stations only added, so a count seen once stays true as a lower bound: cached per app."""
    from natqueue.web import get_backend

    cache = current_app.extensions.setdefault("natqueue_station_counts", {})
    return cache.get(site_id) or _read_station_count(get_backend(), site_id, cache)


def _read_station_count(backend, site_id: str, cache: dict) -> int | None:
    found = backend.redis.hget(SiteKeys(site_id).meta, "stations")
    if found is None:
        return None
    cache[site_id] = int(found)
    return cache[site_id]


def _known_site(_endpoint, values) -> None:
    if not values or "site_id" not in values:
        return
    site_id = values["site_id"]
    count = _station_count(site_id)
    if count is None:
        raise QueueError("site_not_found", site_id)
    number = values.get("number")
    if number is not None and not 1 <= number <= count:
        from natqueue.web import get_backend

        # A station added since the count was cached (by this process or another)?
        count = _read_station_count(get_backend(), site_id, current_app.extensions["natqueue_station_counts"])
        if not 1 <= number <= (count or 0):
            raise QueueError("station_not_found", str(number))
    team = values.get("team")
    if team is not None and not 1 <= team <= MAX_HOME_TEAM:
        raise QueueError("team_not_found", str(team))


def _queue_error(exc: QueueError):
    """Refusals raised outside an API blueprint's own handler (the guards above, pages)."""
    if request.path.startswith("/api/"):
        return from_queue_error(exc)
    if QUEUE_ERRORS.get(exc.code, (400,))[0] == 404:
        return render_template("404.html"), 404
    raise exc


def _invalid_json():
    return api_error(400, "invalid_json", _l("The request body is not valid JSON."))


def _body_error(exc: BodyError):
    return _invalid_json() if exc.code == "invalid_json" else invalid_fields(exc)


def _too_large(_exc):
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    return api_error(413, "too_large", _l("The request is too large."), limit_bytes=limit)


#: Seconds a client is asked to wait before trying again while Redis is away.
RETRY_AFTER_S = 5
UNAVAILABLE = _l("The service is busy. Please try again in a few seconds.")


def _unavailable(exc):
    """Redis is away (frozen, restarting, failing over): the API answers a JSON 503, a page
    says in its own language that the site is busy and reloads itself. Never a 500."""
    current_app.logger.warning("Redis unavailable for %s %s: %s", request.method, request.path, exc)
    embedded = current_app.extensions.get("natqueue_embedded")
    if embedded is not None:
        embedded.wake()  # it may have died: check now rather than at the next round
    if request.path.startswith("/api/"):
        response, _ = api_error(503, "unavailable", UNAVAILABLE)
        response.status_code = 503
    else:
        response = current_app.make_response((render_template("busy.html", retry_s=RETRY_AFTER_S), 503))
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    provider = BoundedJSONProvider(app)
    provider.ensure_ascii = app.json.ensure_ascii
    app.json = provider
    app.url_value_preprocessor(_known_site)
    app.before_request(_read_json_body)
    app.register_error_handler(QueueError, _queue_error)
    app.register_error_handler(BodyError, _body_error)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(redis.exceptions.ConnectionError, _unavailable)
    app.register_error_handler(redis.exceptions.TimeoutError, _unavailable)
