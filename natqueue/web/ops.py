"""What an operator watches on every natqueue process (docs/operations.md).

- ``GET /healthz``: the process is up and serving. Touches nothing else, Redis included.
- ``GET /readyz``: Redis answers within ``NATQ_OPS_TIMEOUT_S``; else a JSON 503 with the code
  ``redis_unavailable``, in about that time even when Redis is frozen or gone, so a load
  balancer takes the process out of rotation rather than waiting on it.
- ``GET /metrics``: Prometheus's text format, for the organizer or the scrape token
  (``NATQ_METRICS_TOKEN``). The district's sites come from Redis at scrape time, whichever
  process answers; this process's own series carry ``process="host:pid"``
  (``natqueue.figures.metrics``).

Readiness and scrapes use a Redis client of their own, bounded by ``NATQ_OPS_TIMEOUT_S``
instead of the longer ``NATQ_REDIS_TIMEOUT_S`` the requests of residents and staff get.
"""

import time

import redis
from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask_babel import lazy_gettext as _l
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

from natqueue.figures import metrics
from natqueue.store.backend import Backend
from natqueue.store.connect import connect
from natqueue.web import socketio
from natqueue.web.auth import require_metrics_reader
from natqueue.web.errors import api_error

bp = Blueprint("ops", __name__)


def _ops_backend() -> Backend:
    return current_app.extensions["natqueue_ops"]


def _socket_clients() -> int:
    """Socket.IO clients connected to this process, counted when asked (never on connect): every
    connected client is in its namespace's room ``None``; rooms are per process, message queue or not."""
    server = socketio.server
    if server is None:
        return 0
    return sum(len(rooms.get(None, ())) for rooms in list(server.manager.rooms.values()))


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz():
    return _no_store(jsonify({"status": "ok", "process": metrics.process_label()}))


@bp.get("/readyz")
def readyz():
    deadline_s = current_app.config["NATQ_OPS_TIMEOUT_S"]
    started = time.monotonic()
    try:
        _ops_backend().redis.ping()
    except redis.exceptions.RedisError as exc:
        current_app.logger.warning("not ready: Redis did not answer: %s", exc)
        response, status = api_error(503, "redis_unavailable", _l("Redis does not answer."),
                                     deadline_ms=round(deadline_s * 1000))
        response.status_code = status
        response.headers["Retry-After"] = "1"
        return _no_store(response)
    took_ms = (time.monotonic() - started) * 1000
    return _no_store(jsonify({"status": "ready", "redis_ms": round(took_ms, 1), "process": metrics.process_label()}))


@bp.get("/metrics")
@require_metrics_reader
def scrape():
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    return _no_store(Response(encoder(current_app.extensions["natqueue_metrics"]), content_type=content_type))


def init_app(app: Flask) -> None:
    """The routes, a bounded Redis client for them, and the app's metrics registry."""
    main = app.extensions["natqueue"]
    ops = Backend(connect(app.config["NATQ_REDIS_URL_IN_USE"], app.config["NATQ_OPS_TIMEOUT_S"]),
                  tuning=main.tuning, clock=main.clock)
    app.extensions["natqueue_ops"] = ops
    found = CollectorRegistry()
    found.register(metrics.SiteCollector(ops))
    found.register(metrics.ProcessCollector(_socket_clients))
    app.extensions["natqueue_metrics"] = found
    app.register_blueprint(bp)

