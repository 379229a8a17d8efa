"""Connecting to Redis, the system of record.

``REDIS_URL`` may name a plain server (``redis://``, ``rediss://``,
``unix://``) or Sentinel:
``redis+sentinel://[:password@]host1:26379,host2:26379/0/mymaster`` asks the
sentinels for the current master of ``mymaster`` (database 0) and follows
failovers — the same form python-socketio's message queue takes, so one URL
serves both.
"""

from urllib.parse import urlsplit

import redis
from redis.sentinel import Sentinel


def _pool_class():
    """Under gevent many greenlets share one process: wait for a connection rather than fail."""
    return redis.BlockingConnectionPool


def connect(url: str) -> redis.Redis:
    if url.startswith("redis+sentinel://"):
        return _connect_sentinel(url)
    pool = _pool_class().from_url(url, max_connections=200, timeout=10, decode_responses=True)
    return redis.Redis(connection_pool=pool)


def _connect_sentinel(url: str) -> redis.Redis:
    parts = urlsplit(url)
    hosts = []
    for hostport in parts.netloc.rsplit("@", 1)[-1].split(","):
        host, _, port = hostport.partition(":")
        hosts.append((host, int(port or 26379)))
    path = [p for p in parts.path.split("/") if p]
    if len(path) != 2:
        raise ValueError("a redis+sentinel:// URL ends with /<db>/<master name>, e.g. /0/mymaster")
    db, service = int(path[0]), path[1]
    sentinel = Sentinel(hosts, socket_timeout=5, password=parts.password)
    return sentinel.master_for(service, db=db, password=parts.password, decode_responses=True)
