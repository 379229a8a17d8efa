"""Joins per second on one app process and on two, in one run, with where the CPU went.

    python bench/cluster_joins.py [--duration 10] [--rounds 3] [--connections 32]

Needs wrk. Starts ``scripts/cluster.py -n 2`` (two gunicorn processes, one gevent-websocket
worker each, on one embedded Redis that is also their Socket.IO message queue: the way a
district deploys it) and alternates rounds: "1 process" sends every join to the first process,
"2 processes" splits the same connections between both (one wrk per process, run together).
The same processes, the same Redis, interleaved: the ratio is read from one run.

Each round also says where the machine's CPU went, in cores: each app process, redis-server,
wrk and everything else. On a 2-core machine that is the profile of what stops two processes
from doing twice the work of one: with one process serving, the other core carries Redis and
wrk; with two, the app processes, Redis and wrk share both cores.
"""

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import (  # noqa: E402
    Cluster,
    Http,
    exit_on_signals,
    finish,
    machine,
    machine_busy_seconds,
    own_children_seconds,
    print_machine,
    raise_fd_limit,
)
from run_joins import wrk  # noqa: E402


def one_round(cluster: Cluster, serving: int, label: str, args) -> dict:
    """``serving`` processes take the joins; ``args.connections`` connections in all."""
    ports = cluster.ports[:serving]
    sites = [f"r{label}-s{serving}-p{i}" for i in range(serving)]
    for port, site in zip(ports, sites, strict=True):
        http = Http(port, cluster.info["admin_token"])
        http.create_site(site, 4)
        http.close()
    workers = cluster.serving_pids()
    pids = {"app 1": workers[0], "app 2": workers[1], "redis": cluster.info["redis_pid"]}
    before = {k: cluster.cpu_seconds(p) for k, p in pids.items()}
    busy, own, started = machine_busy_seconds(), own_children_seconds(), time.monotonic()
    per = args.connections // serving
    with ThreadPoolExecutor(serving) as pool:
        results = list(pool.map(lambda ps: wrk(ps[0], ["join", ps[1]], args.duration, per, 1, None),
                                zip(ports, sites, strict=True)))
    elapsed = time.monotonic() - started
    cores = {k: (cluster.cpu_seconds(p) - before[k]) / elapsed for k, p in pids.items()}
    cores["wrk"] = (own_children_seconds() - own) / elapsed
    cores["other"] = max(0.0, (machine_busy_seconds() - busy) / elapsed - sum(cores.values()))
    ok = sum(r["ok"] for r in results)
    rate = sum(r["ok"] / (r["duration_us"] / 1e6) for r in results)
    errors = sum(r["non2xx"] + r["timeouts"] + r["connect_errors"] + r["read_errors"] for r in results)
    return {"serving": serving, "rate": rate, "ok": ok, "errors": errors, "cores": cores,
            "p99_ms": max(r["p99_us"] for r in results) / 1000,
            "cpu_us_per_join": {k: v * 1e6 / rate for k, v in cores.items()} if rate else {}}


def run(args) -> int:
    raise_fd_limit()
    info = machine()
    print_machine(info)
    rounds = {1: [], 2: []}
    with Cluster(2) as cluster:
        print(f"cluster: {', '.join(cluster.info['urls'])}; workers {cluster.serving_pids()}, "
              f"redis {cluster.info['redis_pid']}", flush=True)
        one_round(cluster, 1, "w1", argparse.Namespace(**{**vars(args), "duration": args.warmup}))
        one_round(cluster, 2, "w2", argparse.Namespace(**{**vars(args), "duration": args.warmup}))
        for r in range(1, args.rounds + 1):
            for serving in (1, 2):
                result = one_round(cluster, serving, f"{r}", args)
                rounds[serving].append(result)
                cores = ", ".join(f"{k} {v:.2f}" for k, v in result["cores"].items())
                print(f"round {r}, {serving} process{'es' if serving > 1 else ''}: {result['rate']:7.0f} joins/s, "
                      f"p99 {result['p99_ms']:.0f} ms, errors {result['errors']}; cores: {cores}", flush=True)
    print()
    one = statistics.median(r["rate"] for r in rounds[1])
    two = statistics.median(r["rate"] for r in rounds[2])
    print(f"median of {args.rounds} rounds of {args.duration:g} s, {args.connections} connections in all:")
    print("| processes | joins/s | ratio | app 1 | app 2 | redis | wrk | other | CPU per join (apps + redis) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for serving, rate in ((1, one), (2, two)):
        med = {k: statistics.median(r["cores"][k] for r in rounds[serving]) for k in rounds[serving][0]["cores"]}
        per_join = statistics.median((r["cores"]["app 1"] + r["cores"]["app 2"] + r["cores"]["redis"]) * 1e6
                                     / r["rate"] for r in rounds[serving])
        print(f"| {serving} | {rate:,.0f} | {rate / one:.2f} | {med['app 1']:.2f} | {med['app 2']:.2f} | "
              f"{med['redis']:.2f} | {med['wrk']:.2f} | {med['other']:.2f} | {per_join:.0f} µs |")
    print(f"two processes / one = {two / one:.2f} (goal 1.6 on 2 cores)")
    finish(info, args, "rounds", rounds)
    failed = sum(r["errors"] for rs in rounds.values() for r in rs)
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--json")
    args = parser.parse_args()
    exit_on_signals()
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
