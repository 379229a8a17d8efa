"""The Flask application: factory, extensions and Redis bootstrap."""

import os
import secrets

from flask import Flask, current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel, get_locale
from flask_socketio import SocketIO

from natqueue import keys
from natqueue.figures.public_list import PublicList
from natqueue.sites import registry
from natqueue.store.backend import Backend, Tuning
from natqueue.store.connect import connect
from natqueue.store.embedded import EmbeddedRedis
from natqueue.web import guards, mq, static_files
from natqueue.web.page_cache import PageCache

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LOCALES = ("zh_CN", "en")

socketio = SocketIO(async_mode="gevent")  # never left to detection (it would try eventlet first)
babel = Babel()


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, its signer built once instead of on every request.

    Flask opens the session of every request, and builds an itsdangerous serializer each
    time to do it: about 5% of a join's server CPU (docs/benchmarks.md). The keys do not
    change while the app runs; should they, the signer is built again.
    """

    _cached: tuple | None = None

    def get_signing_serializer(self, app: Flask):
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if self._cached is None or self._cached[0] != keys:
            self._cached = (keys, super().get_signing_serializer(app))
        return self._cached[1]


def select_locale() -> str:
    """``?lang=`` (remembered in a cookie), else what the phone's browser prefers, else Chinese."""
    chosen = request.args.get("lang") or request.cookies.get("natq_lang")
    if chosen in LOCALES:
        return chosen
    best = request.accept_languages.best_match(["zh_CN", "zh", "en"], default="zh_CN")
    return "en" if best == "en" else "zh_CN"


def _remember_language(response):
    """``?lang=`` is kept in a cookie, so the next page speaks the same language."""
    if b"lang=" not in request.query_string:  # nearly every request: no query to parse
        return response
    chosen = request.args.get("lang")
    if chosen in LOCALES:
        response.set_cookie("natq_lang", chosen, max_age=365 * 86400, samesite="Lax")
    return response


def _locale() -> dict:
    """Templates know the language they render in (``<html lang>``, the strings handed to JS)."""
    return {"locale": str(get_locale())}


def get_backend() -> Backend:
    return current_app.extensions["natqueue"]


def _data_dir(app: Flask) -> str:
    path = app.config["NATQ_DATA_DIR"]
    return path if os.path.isabs(path) else os.path.join(ROOT, path)


def _read_or_create_secret(path: str, make) -> str:
    """A secret generated once and kept (0600) so it survives restarts."""
    if os.path.exists(path):
        with open(path) as fh:
            value = fh.read().strip()
        if value:
            return value
    value = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


def _open_backend(app: Flask) -> Backend:
    url = app.config["REDIS_URL"]
    if not url:
        embedded = EmbeddedRedis(_data_dir(app)).start()
        embedded.watch(app.config["NATQ_REDIS_WATCHDOG_S"])  # a killed server is started again
        app.extensions["natqueue_embedded"] = embedded
        url = embedded.url
    app.config["NATQ_REDIS_URL_IN_USE"] = url
    tuning = Tuning(
        alert_ahead=app.config["NATQ_ALERT_AHEAD"],
        default_service_s=app.config["NATQ_DEFAULT_SERVICE_SECONDS"],
        pace_window_ms=app.config["NATQ_PACE_WINDOW_SECONDS"] * 1000,
    )
    return Backend(connect(url, app.config["NATQ_REDIS_TIMEOUT_S"]), tuning=tuning,
                   clock=app.config.get("NATQ_CLOCK"))


def _init_socketio(app: Flask) -> None:
    queue = app.config["NATQ_MESSAGE_QUEUE"] or app.config["REDIS_URL"]
    options = {"async_mode": "gevent", "cors_allowed_origins": app.config.get("NATQ_CORS_ORIGINS"),
               "json": guards.SocketJSON}
    if queue and queue != "off":
        # Flask-SocketIO maps only redis:// and rediss:// itself; unix:// and sentinel need this.
        options["client_manager"] = mq.BatchingRedisManager(queue)
    socketio.init_app(app, **options)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
        instance_path=os.path.join(ROOT, "instance"),
    )
    app.config.from_object("config.Config")
    if test_config:
        app.config.update(test_config)
    app.session_interface = _SessionInterface()
    app.json.ensure_ascii = False  # 金域华府, not \u91d1\u57df: readable, and shorter on the wire
    guards.init_app(app)  # bounded JSON bodies, 404 for unknown sites, stations and teams
    static_files.init_app(app)  # /static/ addresses carry their content's hash: kept a week
    os.makedirs(_data_dir(app), exist_ok=True)

    backend = _open_backend(app)
    app.extensions["natqueue"] = backend
    app.extensions["natqueue_public_list"] = PublicList()
    app.extensions["natqueue_pages"] = PageCache(app.config["NATQ_PAGE_CACHE_MS"])
    if not app.config["NATQ_ADMIN_TOKEN"]:
        app.config["NATQ_ADMIN_TOKEN"] = _read_or_create_secret(
            os.path.join(_data_dir(app), "admin-token"), lambda: secrets.token_urlsafe(24)
        )
    if not app.config["SECRET_KEY"]:
        # Shared through Redis so every app process signs and checks staff tokens alike.
        backend.redis.set(keys.SECRET_KEY, secrets.token_urlsafe(32), nx=True)
        app.config["SECRET_KEY"] = backend.redis.get(keys.SECRET_KEY)
    registry.refresh_time_zones(backend)  # each site's zone offsets reach five years from now
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = os.path.join(ROOT, "translations")

    babel.init_app(app, locale_selector=select_locale)
    # Import the Socket.IO handlers before init_app: handlers declared while no server
    # exists are kept by Flask-SocketIO and registered again on every init_app (each
    # app a test makes); declared after, they would bind to the first server only.
    from natqueue.web import cli, clients, csrf, errors, events, headers, requests  # noqa: F401  (events: the Socket.IO handlers)

    _init_socketio(app)
    clients.init_app(app)  # after Socket.IO's middleware, so sockets see the real address too
    headers.init_app(app)  # CSP with a nonce per page, nosniff, no framing, same-origin referrers
    csrf.init_app(app)  # no form bodies; a cookie's state changes from natqueue's own pages only
    app.before_request(requests.bind_fingerprint)  # every idempotency key bound to its request
    from natqueue.community import coverage
    from natqueue.web import addresses, api, broadcast, formatting, ops, pages

    app.register_blueprint(api.bp)
    ops.init_app(app)  # /healthz, /readyz, /metrics: what an operator watches
    for blueprint in pages.BLUEPRINTS:
        app.register_blueprint(blueprint)
    # A community's counts moved (from whichever domain path): its pages hear it.
    backend.hooks[coverage.HOOK] = broadcast.announce_coverage
    errors.init_app(app)
    app.after_request(_remember_language)
    app.context_processor(_locale)
    app.add_template_filter(formatting.duration, "duration")  # {{ seconds|duration }}: the rule of NQ.duration
    app.add_template_global(addresses.qr_warning, "qr_warning")  # the QR codes open on no phone: say so
    cli.init_app(app)
    return app


def close_app(app: Flask) -> None:
    """Release Redis and stop the embedded server this app started, if any."""
    for name in ("natqueue", "natqueue_ops"):
        backend = app.extensions.get(name)
        if backend is not None:
            backend.close()
    embedded = app.extensions.pop("natqueue_embedded", None)
    if embedded is not None:
        embedded.stop()
