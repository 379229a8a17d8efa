"""A district morning replayed on a local cluster (scripts/cluster.py): N app processes, one Redis.

    python bench/district.py [--processes 1 2] [--sites 200] [--stations 4] [--residents 100000]
                             [--phones 10000] [--morning-min 120] [--compress 12] [--nginx]

The defaults are the full district: 200 sites of 4 stations, 100,000 residents over a 2-hour
morning replayed in 10 minutes (``--compress 12``), 10,000 phones open on their tickets, a
console per station sampling at 27 s a swab (27 / compress in the replay) and a dashboard on
every site. The arrival curve and the parts are in bench/district_load.py; the figures in
bench/district_report.py. ``--processes 1 2`` runs the replay on one, then two app processes
(``--rounds`` repeats the pair, alternating), each on a fresh cluster, and prints the ratio.

Placement: the app processes and Redis on ``--server-cpus`` (default core 0), this runner, the
load shards and the probes on ``--load-cpus`` (core 1), whose CPU is reported as the load
generator's. Exits non-zero when a resident was not called exactly once or a phone did not hear
its call. Every process started here is stopped in a ``finally`` and dies with the runner.
"""

import argparse
import asyncio
import json
import os
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import district_load  # noqa: E402
import district_report  # noqa: E402
from common import (  # noqa: E402
    BENCH,
    PYTHON,
    ROOT,
    Cluster,
    add_cpu_options,
    child_setup,
    cpu_seconds,
    exit_on_signals,
    machine_busy_seconds,
    place,
    read_line,
    rss_kb,
    stop,
)

from natqueue.store.connect import connect  # noqa: E402


def load_config(args, sites: list[dict], organizer: str, urls: list[str]) -> dict:
    """What every shard shares; each gets its share of ``sites``."""
    return district_load.make_config(
        sites, organizer, residents=args.residents, sites_total=args.sites, stations=args.stations,
        phones=args.phones, morning_min=args.morning_min, compress=args.compress, decay_min=args.decay_min,
        floor=args.floor, swab_s=args.swab_s, seed=args.seed, dashboards=not args.no_dashboards,
        timeout_min=args.timeout_min, urls=urls)


def _spawn(kind: str, cfg: dict, cpus, nice: int = 0) -> subprocess.Popen:
    proc = subprocess.Popen([PYTHON, os.path.join(BENCH, "district_load.py"), kind], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            preexec_fn=child_setup(cpus, nice))
    proc.stdin.write(json.dumps(cfg) + "\n")
    proc.stdin.flush()
    return proc


def run_once(processes: int, args, server_cpus, load_cpus) -> dict:
    with Cluster(processes, nginx=args.nginx) as cluster:
        cluster.pin(server_cpus)
        red = connect(cluster.info["redis_url"])
        sites = asyncio.run(district_load.setup_sites(cluster.urls[0], cluster.info["token"], args.sites,
                                                      args.stations, cluster.urls))
        cfg = load_config(args, sites, cluster.info["token"], cluster.urls)
        procs: list[subprocess.Popen] = []
        try:
            if args.probes:
                procs.append(_spawn("probe", {"sites": sites}, load_cpus, nice=-10))
                read_line(procs[0], 120)
            shards = []
            for k in range(args.shards):
                shards.append(_spawn("shard", {**cfg, "sites": sites[k::args.shards]}, load_cpus))
            procs += shards
            for proc in shards:
                if read_line(proc, 120 + args.sites) != "READY":
                    raise RuntimeError("a shard did not get ready")
            phones = {proc.pid: 0 for proc in shards}

            def sample() -> dict:
                info = red.info()
                apps = cluster.workers()
                return {"t": time.time(), "phones": sum(phones.values()),
                        "app_cpu": [sum(cpu_seconds(p) for p in f) for f in apps],
                        "rss_kb": [sum(rss_kb(p) for p in f[1:] or f) for f in apps],
                        "redis_commands": info["total_commands_processed"],
                        "redis_ops": info["instantaneous_ops_per_sec"],
                        "redis_cpu": info["used_cpu_sys"] + info["used_cpu_user"], "redis_mem": info["used_memory"],
                        "load_cpu": sum(cpu_seconds(p.pid) for p in procs) + sum(os.times()[:2]),
                        "machine": machine_busy_seconds()}

            baseline = sample()
            t0 = time.time() + 1.0
            for proc in shards:
                proc.stdin.write(f"GO {t0}\n")
                proc.stdin.flush()
            samples, results = [baseline], {}
            deadline = t0 + args.timeout_min * 60 + 120
            while len(results) < len(shards) and time.time() < deadline:
                ready, _, _ = select.select([p.stdout for p in shards if p.pid not in results], [], [], 1.0)
                for out in ready:
                    proc = next(p for p in shards if p.stdout is out)
                    line = out.readline()
                    if not line:
                        raise RuntimeError(f"shard {proc.pid} exited ({proc.poll()})")
                    if line.startswith("PHONES "):
                        phones[proc.pid] = int(line.split()[1])
                    elif line.startswith("DONE "):
                        results[proc.pid] = json.loads(line[5:])
                if time.time() - samples[-1]["t"] >= 1.0:
                    samples.append(sample())
            end = time.time()
            if len(results) < len(shards):
                raise RuntimeError("the replay did not end in time")
            probe = {}
            if args.probes:
                procs[0].stdin.write("STOP\n")
                procs[0].stdin.flush()
                probe = json.loads(read_line(procs[0], 60)[5:])
        finally:
            for proc in procs:
                stop(proc, 30)
            red.close()
    return {"processes": processes, "shards": [results[p.pid] for p in shards], "probe": probe,
            "samples": samples, "baseline": baseline, "t0": t0, "end": end,
            "nominal_s": args.morning_min * 60 / args.compress, "uptime": _uptime()}


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=1, help="repeat the --processes sequence")
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--stations", type=int, default=4)
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--phones", type=int, default=10_000)
    parser.add_argument("--morning-min", type=float, default=120, help="the real morning's length")
    parser.add_argument("--compress", type=float, default=12, help="replay this many times faster")
    parser.add_argument("--decay-min", type=float, default=30, help="arrivals: exp(-t/decay) + floor")
    parser.add_argument("--floor", type=float, default=0.1)
    parser.add_argument("--swab-s", type=float, default=27, help="seconds a swab takes (real time)")
    parser.add_argument("--seed", type=int, default=20220403)
    parser.add_argument("--shards", type=int, default=1, help="load processes (sites split among them)")
    parser.add_argument("--probes", type=int, choices=(0, 1), default=1, help="a probe on every site's room")
    parser.add_argument("--no-dashboards", action="store_true")
    parser.add_argument("--nginx", action="store_true", help="everything through nginx in front")
    parser.add_argument("--timeout-min", type=float, default=60, help="give up on a replay after this")
    parser.add_argument("--json", help="also write the figures to this file")
    add_cpu_options(parser)
    args = parser.parse_args(argv)
    exit_on_signals()
    info, server_cpus, load_cpus = place(args)
    print(f"placement: app processes and redis on cpus {sorted(server_cpus or []) or 'any'}; load "
          f"({args.shards} shard(s), probes, this runner) on cpus {sorted(load_cpus or []) or 'any'}")
    print(f"district: {args.sites} sites x {args.stations} stations, {args.residents:,} residents over "
          f"{args.morning_min:g} min compressed {args.compress:g}x, {args.phones:,} phones, swab "
          f"{args.swab_s:g} s ({args.swab_s / args.compress:.2f} s replayed); {_uptime()}", flush=True)
    runs = []
    for _ in range(args.rounds):
        for processes in args.processes:
            f = district_report.figures(run_once(processes, args, server_cpus, load_cpus))
            district_report.print_run(f)
            runs.append(f)
            for failure in f["checks"]:
                print(f"CHECK FAILED: {failure}")
    district_report.print_comparison(runs)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"machine": info, "args": vars(args), "runs": runs}, fh, indent=1)
    bad = [c for f in runs for c in f["checks"]]
    print("\nchecks: " + ("every resident called exactly once, every phone heard its call" if not bad
                          else f"{len(bad)} FAILED"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
