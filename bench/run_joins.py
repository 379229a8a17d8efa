"""Joins per second on one natqueue process, against a bare Flask endpoint served the same way.

    python bench/run_joins.py [--duration 10] [--rounds 3] [--connections 32]

Needs wrk (Debian/Ubuntu: ``apt-get install -y wrk``). Starts bench/serve.py
(the real app and server, embedded Redis), then alternates wrk rounds against
``GET /bench/bare`` and ``POST /api/v1/sites/<site>/tickets`` (a fresh site per
round, every join a distinct valid resident), and prints each round and the
medians. Goal: at least 1,000 joins/s and at least half the bare rate.

On a 2-core machine the server runs on one core and wrk and Redis on the
other (``--server-cpus``/``--load-cpus``; an empty value leaves placement to
the kernel), so the load generator does not steal the server's core.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import (  # noqa: E402
    BENCH,
    Server,
    add_cpu_options,
    child_setup,
    exit_on_signals,
    finish,
    machine_busy_seconds,
    own_children_seconds,
    place,
)


def wrk(port: int, args: list[str], duration: float, connections: int, threads: int,
        cpus: set[int] | None) -> dict:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", "--timeout", "10s",
               "-s", os.path.join(BENCH, "wrk.lua"), f"http://127.0.0.1:{port}", "--", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60,
                          preexec_fn=child_setup(cpus), check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")
    result = json.loads(line[len("WRKJSON "):])
    result["rate"] = result["requests"] / (result["duration_us"] / 1e6)
    result["ok"] = result["requests"] - result["non2xx"]
    return result


def run(args) -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2
    info, server_cpus, load_cpus = place(args)
    print(f"placement: server on cpus {sorted(server_cpus or []) or 'any'}; wrk ({args.threads} thread, "
          f"{args.connections} keep-alive connections) and redis-server on cpus {sorted(load_cpus or []) or 'any'}")
    rounds = {"bare": [], "join": []}
    with Server(cpus=server_cpus, redis_cpus=load_cpus) as server:
        http = server.http()
        try:
            def one(kind: str, duration: float, label: str) -> dict:
                if kind == "bare":
                    extra = ["bare"]
                    site = None
                else:
                    site = f"bench-{label}"
                    http.create_site(site, 4)
                    extra = ["join", site]
                redis_pid = server.info["redis_pid"]
                cpu = server.cpu_seconds(), server.cpu_seconds(redis_pid), own_children_seconds()
                busy, started = machine_busy_seconds(), time.monotonic()
                result = wrk(server.port, extra, duration, args.connections, args.threads, load_cpus)
                done = result["requests"] or 1
                server_s, redis_s = server.cpu_seconds() - cpu[0], server.cpu_seconds(redis_pid) - cpu[1]
                ours = server_s + redis_s + own_children_seconds() - cpu[2]
                result["server_cpu_us"] = server_s * 1e6 / done
                result["redis_cpu_us"] = redis_s * 1e6 / done
                # What everything else on the machine took meanwhile, in cores: 0 on a quiet machine.
                result["others_cores"] = max(0.0, machine_busy_seconds() - busy - ours) / (time.monotonic() - started)
                if site:
                    _, snapshot = http.request("GET", f"/api/v1/sites/{site}")
                    result["queued"] = snapshot["waiting"]
                    # Every join wrk saw answered is in the queue; at most one more per connection was in flight.
                    result["lost"] = int(not result["ok"] <= result["queued"] <= result["ok"] + args.connections)
                return result

            one("bare", args.warmup, "warm")
            one("join", args.warmup, "warm")
            for r in range(1, args.rounds + 1):
                for kind in ("bare", "join"):
                    result = one(kind, args.duration, str(r))
                    rounds[kind].append(result)
                    queued = (f", {result['queued']} tickets queued"
                              + (" (NOT the joins answered)" if result["lost"] else "")) if "queued" in result else ""
                    print(f"round {r} {kind:>4}: {result['rate']:8.0f} req/s  p50 {result['p50_us'] / 1000:6.1f} ms"
                          f"  p99 {result['p99_us'] / 1000:6.1f} ms  errors {result['non2xx']} http, "
                          f"{result['read_errors'] + result['write_errors'] + result['connect_errors']} socket, "
                          f"{result['timeouts']} timeouts; CPU per request: server {result['server_cpu_us']:.0f} us, "
                          f"redis {result['redis_cpu_us']:.0f} us; other processes {result['others_cores']:.2f} cores"
                          f"{queued}", flush=True)
        finally:
            http.close()
    bare = statistics.median(r["rate"] for r in rounds["bare"])
    joins = statistics.median(r["rate"] for r in rounds["join"])
    p50 = statistics.median(r["p50_us"] for r in rounds["join"]) / 1000
    p99 = statistics.median(r["p99_us"] for r in rounds["join"]) / 1000
    bare_p50 = statistics.median(r["p50_us"] for r in rounds["bare"]) / 1000
    bare_p99 = statistics.median(r["p99_us"] for r in rounds["bare"]) / 1000
    failed = sum(r["non2xx"] + r["read_errors"] + r["write_errors"] + r["connect_errors"] + r["timeouts"]
                 + r.get("lost", 0) for rs in rounds.values() for r in rs)
    print()
    print(f"median of {args.rounds} rounds of {args.duration:g} s, {args.connections} connections:")
    bare_cpu = statistics.median(r["server_cpu_us"] for r in rounds["bare"])
    join_cpu = statistics.median(r["server_cpu_us"] for r in rounds["join"])
    print("| endpoint | req/s | p50 | p99 | server CPU per request |")
    print("|---|---:|---:|---:|---:|")
    print(f"| GET /bench/bare | {bare:,.0f} | {bare_p50:.1f} ms | {bare_p99:.1f} ms | {bare_cpu:.0f} µs |")
    print(f"| POST /api/v1/sites/<site>/tickets | {joins:,.0f} | {p50:.1f} ms | {p99:.1f} ms | {join_cpu:.0f} µs |")
    ratio = joins / bare
    met = joins >= 1000 and ratio >= 0.5 and failed == 0
    print(f"server CPU per request, bare/join = {bare_cpu / join_cpu:.2f} (the rates' ratio on an idle core)")
    print(f"joins/bare = {ratio:.2f}; errors {failed}; goal (>= 1,000 joins/s and >= 0.5 of bare): "
          f"{'met' if met else 'NOT met'}")
    others = statistics.median(r["others_cores"] for rs in rounds.values() for r in rs)
    print(f"other processes on the machine during the rounds: {others:.2f} cores (median)")
    finish(info, args, "rounds", rounds)
    return 0 if met else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds per measured round")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up per endpoint")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    add_cpu_options(parser)
    parser.add_argument("--json", help="also write every round to this file")
    args = parser.parse_args()
    exit_on_signals()
    started = time.monotonic()
    try:
        return run(args)
    finally:
        print(f"({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    sys.exit(main())
