"""Connecting to Redis, the system of record.

``REDIS_URL`` may name a plain server (``redis://``, ``rediss://``,
``unix://``) or Sentinel:
``redis+sentinel://[:password@]host1:26379,host2:26379/0/mymaster`` asks the
sentinels for the current master of ``mymaster`` (database 0) and follows
failovers — the same form python-socketio's message queue takes, so one URL
serves both.

Every call is bounded by ``timeout_s`` (``NATQ_REDIS_TIMEOUT_S``): a frozen Redis
once held a join for 25 s. redis-py 8 can retry a failed call, timeouts included,
ten times with backoff; here a call is retried only while its first try is younger
than ``timeout_s``, so a Redis that restarts or fails over within that time goes
unnoticed, and one that does not answer costs at most about twice ``timeout_s``.
"""

import select
import time
from urllib.parse import unquote, urlsplit

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from redis.sentinel import Sentinel

#: The default bound of one Redis call, in seconds (see ``NATQ_REDIS_TIMEOUT_S``).
DEFAULT_TIMEOUT_S = 3.0


class DeadlineRetry(Retry):
    """redis-py's Retry, bounded by time instead of a count: no new try starts once the
    first is ``budget_s`` old. A refused connection (Redis restarting) is tried again
    every few tens of milliseconds until then; a timeout has used the budget up."""

    def __init__(self, budget_s: float):
        super().__init__(ExponentialBackoff(cap=0.25, base=0.02), retries=-1)
        self.budget_s = budget_s

    def __eq__(self, other):
        return isinstance(other, DeadlineRetry) and other.budget_s == self.budget_s

    __hash__ = Retry.__hash__

    def call_with_retry(self, do, fail, is_retryable=None, with_failure_count=False):
        started = time.monotonic()
        failures = 0
        while True:
            try:
                return do()
            except self._supported_errors as error:
                if is_retryable and not is_retryable(error):
                    raise
                failures += 1
                if with_failure_count:
                    fail(error, failures)
                else:
                    fail(error)
                pause = self._backoff.compute(failures)
                if time.monotonic() - started + pause >= self.budget_s:
                    raise error
                time.sleep(pause)


def _bounded(timeout_s: float) -> dict:
    """Connection options that bound every call by ``timeout_s``."""
    return {"socket_timeout": timeout_s, "socket_connect_timeout": timeout_s, "retry": DeadlineRetry(timeout_s)}


def _os_poll():
    """The operating system's poll(), even when gevent has patched ``select``."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is in requirements.txt
        return select.poll
    return monkey.get_original("select", "poll")


_OS_POLL = _os_poll()


class _QuickReadyCheck:
    """Hand out pooled connections without a trip through gevent's hub.

    redis-py checks every connection it takes from the pool for unread data
    with a zero-timeout poll. Under gevent that is gevent's poll, which starts
    a watcher and runs a turn of the event loop: about a third of the CPU of
    a short command here (see docs/benchmarks.md). A zero-timeout poll never
    blocks, so the OS one is safe; a socket that is readable, or a parser
    holding buffered data, still gets redis-py's own check.
    """

    def can_read(self, timeout: float = 0) -> bool:
        sock = self._sock
        has_data = getattr(getattr(self._parser, "_reader", None), "has_data", None)  # hiredis
        if timeout == 0 and sock is not None and has_data is not None and not has_data() \
                and not (hasattr(sock, "pending") and sock.pending()):
            poller = _OS_POLL()
            poller.register(sock, select.POLLIN)
            if not poller.poll(0):
                return False
        return super().can_read(timeout)


class _UnixConnection(_QuickReadyCheck, redis.UnixDomainSocketConnection):
    pass


class _TcpConnection(_QuickReadyCheck, redis.Connection):
    pass


class _TlsConnection(_QuickReadyCheck, redis.SSLConnection):
    pass


_CONNECTIONS = {"unix": _UnixConnection, "redis": _TcpConnection, "rediss": _TlsConnection}


def _pool_class():
    """Under gevent many greenlets share one process: wait for a connection rather than fail."""
    return redis.BlockingConnectionPool


def connect(url: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> redis.Redis:
    if url.startswith("redis+sentinel://"):
        return _connect_sentinel(url, timeout_s)
    # ``timeout``: the wait for a free pooled connection (all 200 busy) is bounded alike.
    options = {"max_connections": 200, "timeout": timeout_s, "decode_responses": True, **_bounded(timeout_s)}
    connection_class = _CONNECTIONS.get(urlsplit(url).scheme)
    if connection_class is not None:
        options["connection_class"] = connection_class
    pool = _pool_class().from_url(url, **options)
    return redis.Redis(connection_pool=pool)


def parse_sentinel_url(url: str) -> tuple[list[tuple[str, int]], str, dict]:
    """``redis+sentinel://[user:password@]h1[:26379],[::1]:26380/<db>/<master name>`` as
    (sentinel addresses, master name, connection options for the master).

    The user and password (percent-decoded) are the master's: as in python-socketio's
    message queue, which reads the same URL, the sentinels themselves get none."""
    parts = urlsplit(url)
    if parts.scheme != "redis+sentinel":
        raise ValueError("not a redis+sentinel:// URL")
    hosts = []
    for hostport in parts.netloc.rpartition("@")[2].split(","):
        if hostport.startswith("["):  # IPv6: [::1]:26379
            host, _, rest = hostport[1:].partition("]")
            port = rest.removeprefix(":")
        else:
            host, _, port = hostport.partition(":")
        if not host or not (port or "26379").isdigit():
            raise ValueError(f"bad sentinel address {hostport!r} in a redis+sentinel:// URL")
        hosts.append((host, int(port or 26379)))
    path = [p for p in parts.path.split("/") if p]
    if len(path) != 2 or not path[0].isdigit():
        raise ValueError("a redis+sentinel:// URL ends with /<db>/<master name>, e.g. /0/mymaster")
    options = {"db": int(path[0])}
    if parts.username:
        options["username"] = unquote(parts.username)
    if parts.password:
        options["password"] = unquote(parts.password)
    return hosts, unquote(path[1]), options


def _connect_sentinel(url: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> redis.Redis:
    hosts, service, options = parse_sentinel_url(url)
    bounded = _bounded(timeout_s)
    sentinel = Sentinel(hosts, sentinel_kwargs=bounded, **bounded)
    return sentinel.master_for(service, decode_responses=True, **options)
