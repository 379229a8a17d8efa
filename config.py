"""natqueue settings, read from the environment.

Every setting can also be passed to ``create_app(test_config)``.
"""

import os

from natqueue.sites.settings import DEFAULT_TIMEZONE
from natqueue.tickets.joining import JOINS_PER_ADDRESS, JOINS_PER_SITE


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Config:
    #: Any real Redis: redis://, rediss://, unix://, or redis+sentinel://h1:26379,h2:26379/0/mymaster.
    #: Unset: natqueue starts its own embedded Redis with its data under NATQ_DATA_DIR.
    REDIS_URL = os.environ.get("REDIS_URL") or None
    #: Where the embedded Redis keeps its data (AOF) and where generated secrets live.
    NATQ_DATA_DIR = os.environ.get("NATQ_DATA_DIR", "instance")
    #: The organizer's token. Unset: one is generated once, kept in NATQ_DATA_DIR, printed at start-up.
    NATQ_ADMIN_TOKEN = os.environ.get("NATQ_ADMIN_TOKEN") or None
    #: The address phones reach natqueue at; QR codes encode <NATQ_PUBLIC_URL>/s/<site>.
    #: Unset: the address the request came in on.
    NATQ_PUBLIC_URL = os.environ.get("NATQ_PUBLIC_URL") or None
    #: Socket.IO message queue for several app processes. Unset: REDIS_URL when that is set.
    #: "off" disables it (one process).
    NATQ_MESSAGE_QUEUE = os.environ.get("NATQ_MESSAGE_QUEUE") or None
    NATQ_TIMEZONE = os.environ.get("NATQ_TIMEZONE", DEFAULT_TIMEZONE)
    NATQ_ALERT_AHEAD = _int("NATQ_ALERT_AHEAD", 5)
    NATQ_DEFAULT_SERVICE_SECONDS = float(os.environ.get("NATQ_DEFAULT_SERVICE_SECONDS", 30))
    NATQ_PACE_WINDOW_SECONDS = _int("NATQ_PACE_WINDOW_SECONDS", 900)
    #: The longest one Redis call may take (s), connecting included; retries happen only within it.
    #: While Redis is away a request gets a 503 after at most about twice this, never a hang.
    NATQ_REDIS_TIMEOUT_S = float(os.environ.get("NATQ_REDIS_TIMEOUT_S", 3))
    #: How often the embedded Redis is checked (s); a dead one is started again from its AOF.
    NATQ_REDIS_WATCHDOG_S = float(os.environ.get("NATQ_REDIS_WATCHDOG_S", 1))
    #: The largest request body accepted (bytes); larger ones get 413. The pages send a few hundred.
    MAX_CONTENT_LENGTH = _int("NATQ_MAX_BODY_BYTES", 1024 * 1024)
    #: How many reverse proxies stand in front of natqueue (0: none). Only then are their
    #: X-Forwarded-For/-Proto/-Host believed: per-address limits, Secure cookies, the origin check.
    NATQ_TRUSTED_PROXIES = _int("NATQ_TRUSTED_PROXIES", 0)
    #: Joins from one client address per 5 minutes, and at one site per minute (see
    #: natqueue/tickets/joining.py): past them a resident's join gets 429 with Retry-After.
    NATQ_JOINS_PER_ADDRESS = _int("NATQ_JOINS_PER_ADDRESS", JOINS_PER_ADDRESS)
    NATQ_JOINS_PER_SITE = _int("NATQ_JOINS_PER_SITE", JOINS_PER_SITE)
    #: The longest /readyz and a /metrics scrape wait for Redis (s): past it /readyz answers 503.
    NATQ_OPS_TIMEOUT_S = float(os.environ.get("NATQ_OPS_TIMEOUT_S", 0.5))
    #: A token that may read /metrics (Authorization: Bearer) and nothing else, for Prometheus.
    #: Unset: only the organizer token reads it.
    NATQ_METRICS_TOKEN = os.environ.get("NATQ_METRICS_TOKEN") or None
    HOST = os.environ.get("HOST", "127.0.0.1")
    PORT = _int("PORT", 5000)
    #: Signs staff tokens. Unset: one is generated once and shared through Redis by every process.
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = DEFAULT_TIMEZONE
    #: After a change at a site, wait this long and push the organizer's figures once (0: at once).
    NATQ_DASH_COALESCE_MS = _int("NATQ_DASH_COALESCE_MS", 300)
    #: While a dashboard watches, push its sites' figures again this often (s; 0: never), so
    #: waits that grow with no change at the site (and their alerts) still show.
    NATQ_DASH_REFRESH_S = _int("NATQ_DASH_REFRESH_S", 30)
    #: A public page (a join page, the list of sites) is rendered at most once per this many ms
    #: per language in a process and shared by every view meanwhile (0: rendered for each view).
    NATQ_PAGE_CACHE_MS = _int("NATQ_PAGE_CACHE_MS", 1000)
