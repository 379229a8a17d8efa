"""One Redis connection, its registered scripts and the tuning they run with.

The domain functions in ``sites``, ``tickets`` and ``feed`` take a ``Backend``
rather than a bare client, so that tests can fix the clock and tuning without
touching global state.
"""

import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

import redis

from natqueue import scripts
from natqueue.keys import SiteKeys
from natqueue.store.batching import Coalescer

#: The fingerprint of the request being served (its endpoint and body, hashed), set by the web
#: layer for the request's duration (``serving``). Every script gets it in its tail and binds its
#: idempotency claim to it, so an Idempotency-Key replays its own request and no other. It is a
#: context variable so that no domain function has to carry it: each gevent greenlet (and each
#: thread) serving a request has its own. '' outside a request: the CLI, domain tests.
_REQUEST_FINGERPRINT: ContextVar[str] = ContextVar("natq_request_fingerprint", default="")


def serving(fingerprint: str) -> None:
    """Bind the scripts run from now on, in this greenlet or thread, to the request ``fingerprint``."""
    _REQUEST_FINGERPRINT.set(fingerprint)


def request_key(request_id: str | None) -> str:
    """Without a client id, a fresh one still protects against redis-py's own retries."""
    return request_id or uuid.uuid4().hex


def optional_int(value) -> int | None:
    """A number read back from a Redis hash, where absent and '' both mean unset."""
    return None if value in (None, "") else int(value)


class QueueError(Exception):
    """A refused change. ``code`` is machine-readable; nothing was written."""

    def __init__(self, code: str, detail: str = "", **data):
        super().__init__(code if not detail else f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.data = data


@dataclass
class Tuning:
    #: How long a request id replays its first answer.
    idem_ttl_s: int = 600
    #: Site events kept for reconnecting clients; older ones get a snapshot instead.
    stream_maxlen: int = 2000
    #: Sampling history kept per station (for pace and the day's figures).
    history_ms: int = 36 * 3600 * 1000
    #: Window over which each station's sampling pace is measured.
    pace_window_ms: int = 15 * 60 * 1000
    #: Seconds per person a station is assumed to take before it has data
    #: (about 130 swabs an hour per lane, rounded up to leave room for walk-up).
    default_service_s: float = 30.0
    #: Samples a station needs in the window before its measured pace is trusted.
    min_samples: int = 5
    #: Warn a resident when this few people are ahead (a site may override).
    alert_ahead: int = 5


@dataclass
class Backend:
    redis: redis.Redis
    tuning: Tuning = field(default_factory=Tuning)
    #: Fixed clock in epoch ms for tests; None means Redis TIME (one clock for every host).
    clock: Callable[[], int] | None = None
    #: What the app hangs on domain changes it must pass on (``"coverage"``: a community's counts
    #: moved, see ``natqueue.community.coverage``); the domain calls them, knowing no Flask.
    hooks: dict[str, Callable] = field(default_factory=dict, repr=False)
    #: Figures worth keeping a few seconds in this process (the dashboard's foresight, per site).
    memo: dict = field(default_factory=dict, repr=False)
    _scripts: dict = field(default_factory=dict, repr=False)
    _coalescer: Coalescer | None = field(default=None, repr=False)

    def __post_init__(self):
        self._coalescer = Coalescer(self.redis)

    def script(self, name: str):
        """The script ``name`` of ``natqueue.scripts.REGISTRY``, registered once (EVALSHA, reloaded
        on NOSCRIPT). Only ``run`` calls it: a script run any other way would miss the tail."""
        found = self._scripts.get(name)
        if found is None:
            found = self._scripts[name] = self.redis.register_script(scripts.source(name))
        return found

    def close(self) -> None:
        """Give back the connection the script batches use, then every pooled one."""
        self._coalescer.close()
        self.redis.close()
        self.redis.connection_pool.disconnect()

    def tail(self, site: SiteKeys) -> list:
        """The ARGV tail every script ends with (see ``natqueue/scripts/includes/prelude.lua``)."""
        t = self.tuning
        return [
            t.idem_ttl_s,
            t.stream_maxlen,
            t.history_ms,
            site.base,
            t.pace_window_ms,
            t.default_service_s,
            t.min_samples,
            "" if self.clock is None else int(self.clock()),
            _REQUEST_FINGERPRINT.get(),
        ]

    def now_ms(self) -> int:
        if self.clock is not None:
            return int(self.clock())
        seconds, micros = self.redis.time()
        return int(seconds) * 1000 + int(micros) // 1000

    def run(self, name: str, keys: list, args: list, site: SiteKeys):
        """Run the script ``name`` for ``site``: the one way natqueue runs a script. Its ARGV end
        with the tail (tuning, the site's base key, the clock); the call leaves in a batch with
        concurrent ones; an ``{'err', code, detail}`` answer raises ``QueueError``. A community's
        scripts pass the community's keys (``natqueue.community.keys.CommunityKeys``) for ``site``:
        only its ``base`` is used."""
        result = self._coalescer.call(self.script(name), keys, [*args, *self.tail(site)])
        if isinstance(result, list) and result and result[0] == "err":
            raise QueueError(result[1], result[2] if len(result) > 2 else "")
        return result

    def run_each(self, name: str, calls: list[tuple[list, list, SiteKeys]]) -> list:
        """Run the read-only script ``name`` once per ``(keys, args, site)``, every call in one
        pipeline: one round trip for the lot, however many sites. Scripts Redis lost (a restart,
        SCRIPT FLUSH) are loaded and the lot is sent once more; any other error raises."""
        script = self.script(name)

        def send() -> list:
            pipe = self.redis.pipeline(transaction=False)
            for keys, args, site in calls:
                pipe.evalsha(script.sha, len(keys), *keys, *args, *self.tail(site))
            return pipe.execute(raise_on_error=False)

        results = send()
        if any(isinstance(r, redis.exceptions.NoScriptError) for r in results):
            self.redis.script_load(script.script)
            results = send()
        for result in results:
            if isinstance(result, Exception):
                raise result
        return results
