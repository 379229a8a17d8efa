"""Live figures for organizers, pushed coalesced per site (``events.watch_dashboard`` joins
the rooms).

A busy site changes many times a second; an organizer needs its figures a few
times a second at most. After a change, one process claims the site's next
push in Redis (``SET NX PX``, so among several app processes only one pushes)
and, after ``NATQ_DASH_COALESCE_MS``, computes the figures once and emits one
``stats`` event to the site's dashboard room. Changes that land meanwhile, in
any process, are in that computation. Through the Socket.IO message queue the
event reaches dashboards connected to any process. A single process with no
dashboard open skips the work altogether.

Each push computes the site's figures (a few Redis reads, a millisecond or two); a district of
200 busy sites pushed every 300 ms would be 700 computations a second, most of a process. So
the window grows with what pushes cost: it is at least ``NATQ_DASH_COALESCE_MS`` and long
enough that the sites pushed lately, each once per window, take at most ``PUSH_BUDGET`` of
this process (measured: the pushes' moving average), up to ``MAX_WINDOW_MS``. A few sites get
their figures within 300 ms; a district's, within two seconds.

Some figures change with time alone: the longest wait grows, and someone
passes the wait target, while nothing happens at a site (every station
paused for a meal). So while a dashboard connected to this process watches,
the figures of the sites it watches are pushed again every
``NATQ_DASH_REFRESH_S`` seconds even without a change.
"""

import time

import socketio as socketio_pkg
from flask import current_app

from natqueue.figures import dashboard
from natqueue.keys import SiteKeys
from natqueue.web import get_backend, socketio

#: (app, site) -> the greenlet that will push; one per site per window in this process.
_pending: dict[tuple[int, str], object] = {}
#: id(app) -> the greenlet refreshing the sites watched from this process, while any is.
_tickers: dict[int, object] = {}
#: The share of this process's time that dashboard pushes may take, at most.
PUSH_BUDGET = 0.2
#: The widest window (ms): an organizer sees a busy site's figures within about this, whatever
#: the load. A push's cost is measured on the clock, which a loaded process stretches (its
#: greenlets wait their turn), so without a ceiling the window would run away under load.
MAX_WINDOW_MS = 2000
#: Sites pushed within this many seconds count as the ones sharing the budget.
ACTIVE_S = 10.0
#: What one push costs here (ms, moving average), and when each site was last pushed.
_cost = {"ms": 0.0}
_last_push: dict[str, float] = {}


def dashboard_room(site_id: str) -> str:
    return f"dash:{site_id}"


#: Dashboards that watch every site, told when a site is added so they take it in too.
EVERY_SITE_ROOM = "dash:*"


def site_added(site_id: str) -> None:
    socketio.emit("site_added", {"site_id": site_id}, to=EVERY_SITE_ROOM)


def push_now(app, site_id: str) -> None:
    """Compute a site's figures and emit them to its dashboard room."""
    started = time.monotonic()
    with app.app_context():
        figures = dashboard.site_stats(get_backend(), site_id)
        socketio.emit("stats", figures, to=dashboard_room(site_id))
    done = time.monotonic()
    _cost["ms"] = 0.8 * _cost["ms"] + 0.2 * (done - started) * 1000
    _last_push[site_id] = done


def window_ms(base_ms: int) -> int:
    """The coalescing window now: ``base_ms``, or longer when the sites pushed lately would
    together take more than ``PUSH_BUDGET`` of the process at one push per window each."""
    now = time.monotonic()
    for site_id in [s for s, at in _last_push.items() if now - at > ACTIVE_S]:
        del _last_push[site_id]
    return max(base_ms, min(MAX_WINDOW_MS, int(len(_last_push) * _cost["ms"] / PUSH_BUDGET)))


def _later(app, site_id: str, delay_s: float) -> None:
    socketio.sleep(delay_s)
    _pending.pop((id(app), site_id), None)
    try:
        push_now(app, site_id)
    except Exception:  # a push is a hint: the next change or a reconnect brings the figures
        app.logger.exception("dashboard push for %s failed", site_id)


def _nobody_watches(site_id: str) -> bool:
    """True only when certain: one process (no message queue) and nobody in the room.
    With a message queue, dashboards on other processes are out of sight: push anyway."""
    manager = socketio.server.manager
    if isinstance(manager, socketio_pkg.PubSubManager):
        return False
    return next(iter(manager.get_participants("/", dashboard_room(site_id))), None) is None


def site_changed(site_id: str) -> None:
    """Called after every change at a site; schedules at most one push per window."""
    if _nobody_watches(site_id):
        return
    app = current_app._get_current_object()
    delay_ms = int(app.config.get("NATQ_DASH_COALESCE_MS", 300))
    if delay_ms <= 0:  # tests: push at once, in order
        push_now(app, site_id)
        return
    key = (id(app), site_id)
    if key in _pending:
        return
    delay_ms = window_ms(delay_ms)  # only when a push is to be scheduled: not on every change
    if not get_backend().redis.set(SiteKeys(site_id).dash_push, "1", nx=True, px=delay_ms):
        return  # another process pushes within the window, and will see this change
    _pending[key] = socketio.start_background_task(_later, app, site_id, delay_ms / 1000)


def _watched_here() -> list[str]:
    """The sites a dashboard connected to this process watches (rooms are per process)."""
    rooms = socketio.server.manager.rooms.get("/", {})
    prefix = dashboard_room("")
    return sorted(room[len(prefix):] for room, members in rooms.items()
                  if isinstance(room, str) and room.startswith(prefix) and members)


def refresh_watched(app) -> list[str]:
    """Push the figures of every site watched from this process; returns those sites."""
    site_ids = _watched_here()
    for site_id in site_ids:
        try:
            push_now(app, site_id)
        except Exception:  # a site removed meanwhile, Redis away: the next round tries again
            app.logger.exception("dashboard refresh for %s failed", site_id)
    return site_ids


def _tick(app) -> None:
    period = float(app.config.get("NATQ_DASH_REFRESH_S", 30))
    try:
        while True:
            socketio.sleep(period)
            if not refresh_watched(app):
                return  # nobody watches: the next watch_dashboard starts it again
    finally:
        _tickers.pop(id(app), None)


def ensure_ticker(app) -> None:
    """Start this process's refresh of watched sites, unless it runs or is turned off."""
    if id(app) not in _tickers and float(app.config.get("NATQ_DASH_REFRESH_S", 30)) > 0:
        _tickers[id(app)] = socketio.start_background_task(_tick, app)
