"""The real app (``app.py``) as a process of its own, for the tests that need several processes,
a restart, a failover or a dying Redis: one way to start it, to wait until it answers and to stop
it, so that no test leaves a process behind."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from natqueue.store.embedded import stop_process as stop  # noqa: F401 (SIGTERM, then SIGKILL)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def alive(pid: int) -> bool:
    """Whether ``pid`` still runs. A zombie counts as gone, and so does a process reaped between
    two looks: reading ``/proc`` once, with no ``kill(0)`` before it, leaves no gap to race."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            # The state follows the command name, which is in brackets and may hold spaces.
            return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def exchange(method, url, body=None, headers=None, timeout: float = 10):
    """``(status, response headers, JSON body)`` of one HTTP request, errors included."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return res.status, dict(res.headers), json.loads(res.read())
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read())


def request(method, url, body=None, headers=None):
    """``(status, JSON body)`` of one HTTP request, errors included."""
    status, _, found = exchange(method, url, body, headers)
    return status, found


def start_app(env: dict, *args: str, **popen) -> subprocess.Popen:
    """``python app.py *args`` in the project's folder; its output thrown away unless ``popen`` says."""
    popen.setdefault("stdout", subprocess.DEVNULL)
    popen.setdefault("stderr", subprocess.DEVNULL)
    return subprocess.Popen([sys.executable, "app.py", *args], cwd=ROOT, env=env, **popen)


def wait_until_serving(url: str, what: str = "app", proc: subprocess.Popen | None = None, seconds: float = 20):
    """Until ``GET /api/v1/sites`` answers 200 at ``url``: the server is listening and Redis answers."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if request("GET", url + "/api/v1/sites")[0] == 200:
                return
        except OSError:
            pass
        assert time.monotonic() < deadline and (proc is None or proc.poll() is None), f"{what} did not start"
        time.sleep(0.1)
