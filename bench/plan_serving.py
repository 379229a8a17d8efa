"""Does a long plan hold up everyone else's requests? Measured both ways.

    python bench/plan_serving.py [--people 2000000]

Starts the real app (bench/serve.py: gevent, embedded Redis) twice: as it is,
where ``POST /api/v1/plan`` runs its simulation in gevent's thread pool, and
with the simulation run inline on the serving greenlet. In each, one client
posts a large plan while another asks ``GET /bench/bare`` every 20 ms; the
report gives that endpoint's latencies during the plan, the plan's own time,
and the time of a small morning plan (4,800 people) either way.
docs/planner.md quotes the result.
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time

from common import BENCH, PYTHON, ROOT, child_setup, percentile, read_line, stop

MORNING = {"stations": 6, "service_s": 27, "arrivals": [{"from": "06:30", "to": "12:30", "per_hour": 800}]}

_INLINE = (
    "from gevent import monkey; monkey.patch_all()\n"
    "import runpy, sys\n"
    f"sys.path.insert(0, {ROOT!r})\n"
    "import natqueue.web.api.planner as planner_views\n"
    "planner_views.off_loop = lambda fn, *args: fn(*args)\n"
    f"sys.argv = [{os.path.join(BENCH, 'serve.py')!r}]\n"
    f"runpy.run_path({os.path.join(BENCH, 'serve.py')!r}, run_name='__main__')\n"
)


def _start(inline: bool) -> tuple[subprocess.Popen, dict]:
    command = [PYTHON, "-c", _INLINE] if inline else [PYTHON, os.path.join(BENCH, "serve.py")]
    process = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True,
                               preexec_fn=child_setup(None))
    try:
        return process, json.loads(read_line(process, 60))
    except BaseException:
        stop(process)
        raise


def _post(port: int, token: str, body: dict) -> tuple[float, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    conn.request("POST", "/api/v1/plan", json.dumps(body),
                 {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    response.read()
    conn.close()
    return time.perf_counter() - started, response.status


def _ping(port: int, done: threading.Event, found: list[float]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    while not done.is_set():
        started = time.perf_counter()
        conn.request("GET", "/bench/bare")
        conn.getresponse().read()
        found.append((time.perf_counter() - started) * 1000)
        time.sleep(0.02)
    conn.close()


def measure(inline: bool, people: int) -> dict:
    process, info = _start(inline)
    try:
        port, token = info["port"], info["admin_token"]
        small = sorted(_post(port, token, MORNING)[0] * 1000 for _ in range(20))
        per_hour = people / 31 / 24
        big = {"stations": 20, "service_s": 27, "days": 31,
               "arrivals": [{"from": "00:00", "to": "24:00", "per_hour": per_hour}]}
        done, latencies = threading.Event(), []
        pinger = threading.Thread(target=_ping, args=(port, done, latencies))
        pinger.start()
        time.sleep(0.3)  # the endpoint's latency with nothing else going on, first
        quiet = len(latencies)
        took, status = _post(port, token, big)
        done.set()
        pinger.join()
        during = latencies[quiet:] or [0.0]
        return {"mode": "inline" if inline else "thread pool", "plan_s": round(took, 2), "plan_status": status,
                "small_plan_ms_median": round(small[len(small) // 2], 1),
                "bare_ms_quiet_median": round(percentile(latencies[:quiet] or [0.0], 50), 1),
                "bare_ms_during_p50": round(percentile(during, 50), 1),
                "bare_ms_during_max": round(max(during), 1), "bare_requests_during": len(during)}
    finally:
        stop(process)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2_000_000, help="arrivals in the large plan")
    args = parser.parse_args()
    for inline in (False, True):
        print(json.dumps(measure(inline, args.people)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
