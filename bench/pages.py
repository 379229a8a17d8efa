"""What the pages a resident opens cost at a district's size, against a join in the same run.

    python bench/pages.py [--sizes 40,400] [--rounds 5] [--duration 2] [--root=DIR]

For each size N, a fresh server (bench/serve.py: the real app, embedded Redis with AOF) and
N sites in 10 areas: ``jam`` (1 station, 300 people waiting: congested), ``calm`` (4 stations,
nobody waiting) in the same area, ``joins`` (the join target) and N - 3 others with 0-5
people waiting. Then, round after round, 1 wrk burst per endpoint (32 connections), the
order turned every round so the machine's drift falls on all alike:

- ``join``: ``POST /api/v1/sites/joins/tickets``, every join a new resident;
- ``page jam`` / ``page calm``: ``GET /s/<site>``, the join page (the congested one suggests
  a calmer site);
- ``ticket``: ``GET /api/v1/tickets/<id>`` with its holder token, what the ticket page reads
  first (the page itself is the join page, ``/s/<site>#t=<id>``);
- ``sites``: ``GET /sites``, the public list; ``sites json``: ``GET /api/v1/public/sites``;
- ``all sites``: ``GET /api/v1/sites``, every site's whole picture (public, like the others).

Prints each endpoint's req/s (median of the rounds), server CPU per request, and its rate
over the join rate of the same round (median of the rounds' ratios): at least 1 means the
page costs no more than a join. ``--root`` measures another checkout (``git archive COMMIT |
tar -x -C DIR``) with this runner.
"""

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import (  # noqa: E402
    Server,
    add_cpu_options,
    exit_on_signals,
    machine_busy_seconds,
    own_children_seconds,
    place,
    resident,
)
from run_joins import wrk  # noqa: E402

AREAS = 10
JAM_WAITING = 300


def setup(http, size: int) -> dict:
    """The district: returns the ticket (id, token) the ticket read uses."""
    token = http.admin_token
    n = 0

    def join(site_id: str) -> dict:
        nonlocal n
        n += 1
        status, body = http.request("POST", f"/api/v1/sites/{site_id}/tickets", resident(n))
        if status != 201:
            raise RuntimeError(f"join at {site_id}: {status} {body}")
        return body

    def make(site_id: str, stations: int, area: str) -> None:
        http.create_site(site_id, stations)
        status, body = http.request("PATCH", f"/api/v1/sites/{site_id}", {"area": area}, token=token)
        if status != 200:
            raise RuntimeError(f"area of {site_id}: {status} {body}")

    make("jam", 1, "A0")
    make("calm", 4, "A0")
    make("joins", 4, "A1")
    for k in range(size - 3):
        make(f"s{k:03d}", 2, f"A{k % AREAS}")
        for _ in range(k % 6):
            join(f"s{k:03d}")
    ticket = join("jam")
    for _ in range(JAM_WAITING - 1):
        join("jam")
    return {"id": ticket["id"], "token": ticket["token"]}


def check(http, size: int) -> None:
    """The district looks as meant: the jam is congested, its page suggests a calmer site."""
    _status, listing = http.request("GET", "/api/v1/public/sites")
    bands = {s["id"]: s["band"] for s in listing["sites"]}
    if len(bands) != size or bands["jam"] != "congested" or bands["calm"] != "flowing":
        raise RuntimeError(f"unexpected list: {len(bands)} sites, jam {bands.get('jam')}, calm {bands.get('calm')}")
    http.conn.request("GET", "/s/jam")
    page = http.conn.getresponse().read().decode()
    if 'id="calmer-site"' not in page:
        raise RuntimeError("the congested site's page suggests no calmer site")


def endpoints(ticket: dict) -> dict[str, list[str]]:
    return {
        "join": ["join", "joins"],
        "page jam": ["get", "/s/jam"],
        "page calm": ["get", "/s/calm"],
        "ticket": ["get", f"/api/v1/tickets/{ticket['id']}", "X-Ticket-Token", ticket["token"]],
        "sites": ["get", "/sites"],
        "sites json": ["get", "/api/v1/public/sites"],
        "all sites": ["get", "/api/v1/sites"],
    }


def measure(args, size: int, server_cpus, load_cpus) -> dict:
    with Server(server_cpus, load_cpus, root=args.root) as server, contextlib.closing(server.http()) as http:
        started = time.monotonic()
        ticket = setup(http, size)
        check(http, size)
        print(f"{size} sites: set up in {time.monotonic() - started:.1f} s", flush=True)
        named = endpoints(ticket)
        rates = {name: [] for name in named}
        cpu = {name: [0.0, 0] for name in named}
        others = []
        for name, extra in named.items():  # warm-up: scripts loaded, templates compiled
            wrk(server.port, extra + (["900000"] if name == "join" else []), 1, args.connections, 1, load_cpus)
        for r in range(args.rounds):
            order = list(named) if r % 2 == 0 else list(named)[::-1]
            order = order[r % len(order):] + order[:r % len(order)]
            busy0, own0, kids0 = machine_busy_seconds(), server.cpu_seconds(), own_children_seconds()
            for name in order:
                extra = named[name] + ([str(100_000 * (r + 1))] if name == "join" else [])
                before = server.cpu_seconds()
                result = wrk(server.port, extra, args.duration, args.connections, 1, load_cpus)
                if result["non2xx"] or result["timeouts"] or result["connect_errors"] or result["read_errors"]:
                    raise RuntimeError(f"{name}: errors in a burst: {result}")
                cpu[name][0] += server.cpu_seconds() - before
                cpu[name][1] += result["requests"]
                rates[name].append(result["rate"])
            span = args.duration * len(order)
            ours = server.cpu_seconds() - own0 + own_children_seconds() - kids0
            others.append(max(0.0, (machine_busy_seconds() - busy0 - ours) / span))
            print(f"  round {r + 1}: " + ", ".join(f"{n} {rates[n][-1]:,.0f}/s" for n in named), flush=True)
    joins = rates["join"]
    return {
        name: {
            "rate": statistics.median(found),
            "cpu_us": cpu[name][0] / cpu[name][1] * 1e6,
            # A round whose join burst got no answer at all (starved by the burst before) has no ratio.
            "vs_join": statistics.median([f / j for f, j in zip(found, joins, strict=True) if j] or [0.0]),
        }
        for name, found in rates.items()
    } | {"_others": statistics.median(others)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="40,400", help="numbers of sites, comma-separated")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=2.0, help="seconds per burst")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--root", help="measure this natqueue checkout (given as --root=DIR)")
    add_cpu_options(parser)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2
    if args.root:
        args.root = os.path.abspath(args.root)
    exit_on_signals()
    _info, server_cpus, load_cpus = place(args)
    results = {}
    for size in (int(s) for s in args.sizes.split(",")):
        results[size] = measure(args, size, server_cpus, load_cpus)
    print()
    print("| sites | endpoint | req/s | server CPU per request | rate / join rate |")
    print("|---:|---|---:|---:|---:|")
    for size, found in results.items():
        for name, row in found.items():
            if not name.startswith("_"):
                print(f"| {size} | {name} | {row['rate']:,.0f} | {row['cpu_us']:,.0f} µs | {row['vs_join']:.2f} |")
    for size, found in results.items():
        print(f"{size} sites: processes other than the server, wrk and this runner (Redis included) "
              f"used {found['_others']:.2f} cores (median of rounds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
