"""Server CPU per request of several natqueue checkouts, measured interleaved.

    python bench/compare.py join 16 /tmp/nq-before /tmp/nq-after [...]

On a shared or virtual machine the speed of the same code drifts by tens of
percent within minutes, so comparing two runs made one after the other says
little. This starts one server per checkout (bench/serve.py with --root, the
same pinning as run_joins.py) and gives each, in turn, 1-second wrk bursts —
``join`` (a fresh site per burst) or ``bare`` — alternating the order every
round; the server CPU time per request is summed over all bursts. Make a
checkout of a commit with ``git archive COMMIT | tar -x -C DIR``.
"""

import argparse
import contextlib
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import Server, machine, print_machine, raise_fd_limit  # noqa: E402
from run_joins import wrk  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("join", "bare"))
    parser.add_argument("bursts", type=int, help="1-second bursts per checkout")
    parser.add_argument("roots", nargs="+", help="natqueue checkouts")
    args = parser.parse_args()

    def _stop(signum, _frame):
        raise SystemExit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _stop)
    raise_fd_limit()
    two = (os.cpu_count() or 1) > 1
    server_cpus, load_cpus = ({0}, {1}) if two else (None, None)
    if load_cpus:
        os.sched_setaffinity(0, load_cpus)
    print_machine(machine())
    totals = {root: [0.0, 0] for root in args.roots}
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(Server(server_cpus, load_cpus, root=os.path.abspath(root)))
                   for root in args.roots]
        https = [stack.enter_context(contextlib.closing(server.http())) for server in servers]
        for burst in range(args.bursts):
            order = list(zip(args.roots, servers, https, strict=True))
            for root, server, http in order if burst % 2 == 0 else order[::-1]:
                extra = ["bare"]
                if args.kind == "join":
                    http.create_site(f"compare-{burst}", 4)
                    extra = ["join", f"compare-{burst}"]
                cpu = server.cpu_seconds()
                result = wrk(server.port, extra, 1, 32, 1, load_cpus)
                if result["non2xx"] or result["timeouts"]:
                    raise RuntimeError(f"{root}: errors in a burst: {result}")
                totals[root][0] += server.cpu_seconds() - cpu
                totals[root][1] += result["requests"]
    for root, (cpu, requests) in totals.items():
        print(f"{root}: {args.kind} {requests} requests, {cpu / requests * 1e6:.0f} µs server CPU per request")
    return 0


if __name__ == "__main__":
    sys.exit(main())
