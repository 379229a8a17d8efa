"""Call-to-phone latency and memory per phone: N Socket.IO phones watching one site.

    python bench/run_calls.py [--phones 1000 3000] [--calls 20] [--interval 1]

For each N: starts bench/serve.py afresh (the real app and server, embedded
Redis), creates a site, signs a station in with the site's staff code, queues
residents, and reads the server's VmRSS. Then bench/phones.py processes connect
N phones (python-socketio AsyncClient, websocket transport) that watch the
site, and VmRSS is read again: (after - before) / N is the memory per phone.
Then station 1 calls ``--calls`` times, ``--interval`` seconds apart, through
``POST /api/v1/sites/<site>/stations/1/call``; the latency of one call at one
phone is from just before the request is sent to that phone receiving the
``called`` site event (``time.time()`` in every process, one machine).
Goals: p99 <= 1 s at 3,000 phones, <= 100 KB per phone.

``--processes 2`` serves from a local cluster instead (scripts/cluster.py: gunicorn processes on
one Redis, with the message queue): the calls go to the first process, the phone processes
spread over all of them, the probes sit on the last (the call reaches them through the message
queue), and RSS and CPU are summed over the app processes. A district's figure:

    python bench/run_calls.py --processes 2 --phones 10000 --client-procs 4 --server-cpus "" --load-cpus ""
"""

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import (  # noqa: E402
    BENCH,
    PYTHON,
    ROOT,
    Cluster,
    Server,
    add_cpu_options,
    child_setup,
    cpus,
    exit_on_signals,
    finish,
    machine_busy_seconds,
    own_children_seconds,
    percentile,
    place,
    read_line,
    resident,
    stop,
)


def measure(n: int, args, server_cpus, load_cpus, phone_cpus) -> dict:
    serving = (Cluster(args.processes, cpus=server_cpus, redis_cpus=load_cpus) if args.processes
               else Server(cpus=server_cpus, redis_cpus=load_cpus))
    with serving as server:
        http = server.http()
        procs: list[subprocess.Popen] = []
        try:
            site = http.create_site("calls", 2)
            status, auth = http.request("POST", "/api/v1/auth/staff",
                                        {"site_id": site["id"], "code": site["staff_code"]})
            if status != 200:
                raise RuntimeError(f"staff sign-in: {status} {auth}")
            staff = auth["token"]
            for i in range(args.calls + 10):
                status, body = http.request("POST", f"/api/v1/sites/{site['id']}/tickets", resident(i))
                if status != 201:
                    raise RuntimeError(f"join {i}: {status} {body}")
            call_path = f"/api/v1/sites/{site['id']}/stations/1/call"
            status, body = http.request("POST", call_path, token=staff)  # warm the call path
            if status != 200 or not body.get("ticket"):
                raise RuntimeError(f"call: {status} {body}")

            rss_before = server.rss_kb()
            per_proc = [n // args.client_procs + (1 if i < n % args.client_procs else 0)
                        for i in range(args.client_procs)]
            first = 0
            started = time.monotonic()
            for i, count in enumerate(per_proc):  # phone processes spread over the app processes
                port = server.ports[i % len(server.ports)]
                procs.append(_phones(port, site["id"], count, first, args, phone_cpus))
                first += count
            ready: list[tuple[int, int]] = []
            for proc in procs:
                _, watching, failed = _read_until(proc, "READY", 60 + n / 10).split()
                ready.append((int(watching), int(failed)))
            connect_s = time.monotonic() - started
            watching = sum(r[0] for r in ready)
            idle0 = time.monotonic(), server.cpu_seconds(), _cpu(server, procs)
            time.sleep(args.settle)
            rss_after = server.rss_kb()
            idle = time.monotonic() - idle0[0], server.cpu_seconds() - idle0[1], _cpu(server, procs) - idle0[2]
            if args.probes:
                # The last to join the room get the last frames of a broadcast. At a higher priority than
                # the other phones they decode theirs at once: their latency is the server's side alone.
                # On the last app process: with several, the call (made on the first) reaches them
                # through the message queue, the longest way.
                procs.append(_phones(server.ports[-1], site["id"], args.probes, n, args, phone_cpus, nice=-10))
                _read_until(procs[-1], "READY", 60)

            sent: dict[str, float] = {}
            responses: list[float] = []
            busy0 = time.monotonic(), server.cpu_seconds(), _cpu(server, procs)
            machine0 = machine_busy_seconds(), own_children_seconds(), server.cpu_seconds(server.info["redis_pid"])
            for _ in range(args.calls):
                t0 = time.time()
                status, body = http.request("POST", call_path, token=staff)
                responses.append(time.time() - t0)
                if status != 200 or not body.get("ticket"):
                    raise RuntimeError(f"call: {status} {body}")
                sent[body["ticket"]["number"]] = t0
                time.sleep(max(0.0, args.interval - (time.time() - t0)))
            time.sleep(args.drain)
            # CPU the calls cost beyond what N idle phones cost anyway (engine.io pings)
            elapsed = time.monotonic() - busy0[0]
            cpu_calls = server.cpu_seconds() - busy0[1] - idle[1] * elapsed / idle[0]
            cpu_phones = _cpu(server, procs) - busy0[2] - idle[2] * elapsed / idle[0]
            ours = (server.cpu_seconds() - busy0[1] + _cpu(server, procs) - busy0[2] + own_children_seconds()
                    - machine0[1] + server.cpu_seconds(server.info["redis_pid"]) - machine0[2])
            others_cores = max(0.0, machine_busy_seconds() - machine0[0] - ours) / elapsed

            for proc in procs:
                proc.stdin.write("STOP\n")
                proc.stdin.flush()
            results = [json.loads(_read_until(proc, "DONE", 120)[len("DONE "):]) for proc in procs]
            probes = _tally(results[len(per_proc):], sent)
            latencies, missing, still, per_call = _tally(results[:len(per_proc)], sent)
        finally:
            for proc in procs:
                stop(proc, 30)
            http.close()
    return {
        "processes": args.processes or 1,
        "phones": n, "watching": watching, "failed": sum(r[1] for r in ready), "still_connected": still,
        "connect_s": connect_s, "calls": len(sent), "samples": len(latencies), "missing": missing,
        "p50_ms": percentile(latencies, 50) * 1000 if latencies else None,
        "p99_ms": percentile(latencies, 99) * 1000 if latencies else None,
        "max_ms": max(latencies) * 1000 if latencies else None,
        "call_response_p50_ms": percentile(responses, 50) * 1000,
        "probes": args.probes, "probes_missing": probes[1],
        "probes_p50_ms": percentile(probes[0], 50) * 1000 if probes[0] else None,
        "probes_max_ms": max(probes[0]) * 1000 if probes[0] else None,
        # the slowest phone of each call, in call order: steady, or piling up?
        "per_call_max_ms": [round(max(v) * 1000) if v else None for v in per_call.values()],
        "rss_before_kb": rss_before, "rss_after_kb": rss_after,
        "kb_per_phone": (rss_after - rss_before) / watching if watching else None,
        "server_cpu_ms_per_call": cpu_calls * 1000 / max(1, len(sent)),
        "phones_cpu_ms_per_call": cpu_phones * 1000 / max(1, len(sent)),
        "others_cores": others_cores,
    }


def _phones(port: int, site_id: str, count: int, first: int, args, cpus, nice: int = 0) -> subprocess.Popen:
    return subprocess.Popen(
        [PYTHON, os.path.join(BENCH, "phones.py"), "--url", f"http://127.0.0.1:{port}", "--site", site_id,
         "--count", str(count), "--first", str(first), "--max-seconds", str(args.calls * args.interval + 300)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, preexec_fn=child_setup(cpus, nice),
    )


def _tally(results: list[dict], sent: dict[str, float]):
    """(latencies, missing deliveries, phones still connected, latencies per call) of some phone processes."""
    latencies, missing, still = [], 0, 0
    per_call: dict[str, list[float]] = {number: [] for number in sent}
    for result in results:
        still += result["still_connected"]
        got = {}
        for phone, number, arrived in result["events"]:
            if number in sent:
                got[(phone, number)] = arrived - sent[number]
        for (_, number), latency in got.items():
            per_call[number].append(latency)
        latencies.extend(got.values())
        missing += result["watching"] * len(sent) - len(got)
    return latencies, missing, still, per_call


def _cpu(server: Server, procs: list[subprocess.Popen]) -> float:
    """CPU seconds the phone processes have used so far."""
    return sum(server.cpu_seconds(proc.pid) for proc in procs)


def _read_until(proc: subprocess.Popen, word: str, timeout: float) -> str:
    """Lines from a phones process until one starts with ``word`` (bounded in time)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise RuntimeError(f"phones: no {word} within {timeout:.0f}s")
        line = read_line(proc, left)
        if line.startswith(word):
            return line


def run(args) -> int:
    info, server_cpus, load_cpus = place(args)
    phone_cpus = load_cpus if args.phone_cpus is None else cpus(args.phone_cpus)
    print(f"placement: server on cpus {sorted(server_cpus or []) or 'any'}; this runner and redis-server on cpus "
          f"{sorted(load_cpus or []) or 'any'}; {args.client_procs} phone processes on cpus "
          f"{sorted(phone_cpus or []) or 'any'}")
    print(f"{args.calls} calls, {args.interval:g} s apart, per run", flush=True)
    results = []
    for n in args.phones:
        r = measure(n, args, server_cpus, load_cpus, phone_cpus)
        results.append(r)
        print(f"{n} phones: {r['watching']} watching ({r['failed']} failed, {r['connect_s']:.0f} s to connect), "
              f"{r['samples']} deliveries, {r['missing']} missing; latency p50 {r['p50_ms']:.0f} ms, "
              f"p99 {r['p99_ms']:.0f} ms, max {r['max_ms']:.0f} ms; call answered in "
              f"{r['call_response_p50_ms']:.1f} ms (p50); last {r['probes']} in the room (server side): "
              f"p50 {r['probes_p50_ms'] or 0:.0f} ms, max {r['probes_max_ms'] or 0:.0f} ms; "
              f"CPU per call: server {r['server_cpu_ms_per_call']:.0f} ms, "
              f"phone processes {r['phones_cpu_ms_per_call']:.0f} ms; "
              f"RSS {r['rss_before_kb'] / 1024:.1f} -> {r['rss_after_kb'] / 1024:.1f} MiB = "
              f"{r['kb_per_phone']:.1f} KB per phone; other processes {r['others_cores']:.2f} cores", flush=True)
    print()
    print("| processes | phones | p50 | p99 | max | missing | last in room: max | server CPU per call "
          "| phones' CPU per call | memory per phone |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['processes']} | {r['phones']:,} | {r['p50_ms']:.0f} ms | {r['p99_ms']:.0f} ms "
              f"| {r['max_ms']:.0f} ms "
              f"| {r['missing']} | {r['probes_max_ms'] or 0:.0f} ms | {r['server_cpu_ms_per_call']:.0f} ms "
              f"| {r['phones_cpu_ms_per_call']:.0f} ms | {r['kb_per_phone']:.1f} KB |")
    big = max(results, key=lambda r: r["phones"])
    met = (big["phones"] >= 3000 and big["p99_ms"] <= 1000
           and all(r["missing"] == 0 and r["probes_missing"] == 0 and r["failed"] == 0 and r["kb_per_phone"] <= 100
                   for r in results))
    verdict = "met" if met else "NOT met" if big["phones"] >= 3000 else "not judged (no run with 3,000 phones)"
    print(f"goal (p99 <= 1 s at 3,000 phones, <= 100 KB per phone, none missing): {verdict}")
    finish(info, args, "results", results)
    return 0 if met else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, nargs="+", default=[1000, 3000])
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between calls")
    parser.add_argument("--client-procs", type=int, default=2, help="phone processes")
    parser.add_argument("--processes", type=int, default=0,
                        help="app processes started by scripts/cluster.py (gunicorn, message queue); calls go to "
                             "the first, phones spread over all. 0: one bench/serve.py process, no message queue")
    parser.add_argument("--probes", type=int, default=10,
                        help="extra phones that join the room last, at a higher priority (0: none)")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds after connecting before RSS is read")
    parser.add_argument("--drain", type=float, default=5.0, help="seconds after the last call for late events")
    add_cpu_options(parser)
    parser.add_argument("--phone-cpus", help="cpus for the phone processes (default: --load-cpus)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    exit_on_signals()
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
