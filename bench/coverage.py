"""A community's roster and live coverage: import time, coverage read time, cost per sample.

    python bench/coverage.py [--cycles 1000] [--rounds 3] [--reads 50] [--json out.json]

On the embedded Redis (AOF on, as natqueue runs it) in a temporary directory, with the
domain functions the API calls (no HTTP: the figures are Redis and the domain's own):

1. Import: a generated community the size of the seeds' 八里岔社区, 17 compounds and 2,219
   households (about 5,500 people), as one CSV; then the same file again (all unchanged),
   and again with one phone and one room changed per hundred people.
2. Coverage read, the whole tree (community, compounds, buildings, units): median of
   ``--reads``, before and after 40% of the people are sampled; and two communities of the
   same 50 units, one with 50 people and one with 5,500, to show the read does not grow
   with people.
3. The cost of keeping coverage live: join -> call -> sampled, one person after another,
   at a site in no community and at a site of the community (every person on its roster),
   interleaved ``--rounds`` times; and a join alone at each, since a join does no coverage
   work at all.
"""

import argparse
import io
import json
import os
import random
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import machine, print_machine, resident, speed_check  # noqa: E402

from natqueue.community import communities, coverage, roster_import  # noqa: E402
from natqueue.sites import registry  # noqa: E402
from natqueue.store.backend import Backend  # noqa: E402
from natqueue.store.connect import connect  # noqa: E402
from natqueue.store.embedded import EmbeddedRedis  # noqa: E402
from natqueue.tickets import joining, moves  # noqa: E402
from natqueue.tickets.lanes import Person  # noqa: E402

HEADER = "compound,building,unit,room,name,doc_type,id_number,phone,flags"
FLAGS = ["", "", "", "", "", "", "", "", "elderly_alone", "infant", "disabled", "pregnant", "bedridden"]


def seeds_community(rng: random.Random, households: int = 2219, compounds: int = 17) -> list[list[str]]:
    """Rows of a community like the seeds': compounds of 6 to 12 buildings, 2 or 3 units each,
    6 floors of 2 rooms; 1 to 5 people a household (2.45 on average: about 5,500 people)."""
    rows, n = [], 0
    per_compound = [households // compounds + (1 if i < households % compounds else 0) for i in range(compounds)]
    for c, count in enumerate(per_compound, start=1):
        buildings = rng.randint(6, 12)
        places = [(b, u, f"{floor}0{room}") for b in range(1, buildings + 1) for u in range(1, rng.choice((2, 3)) + 1)
                  for floor in range(1, 7) for room in (1, 2)]
        for b, u, room in sorted(rng.sample(places, min(count, len(places)))):
            for _ in range(rng.choices((1, 2, 3, 4, 5), (22, 36, 24, 11, 7))[0]):
                person = resident(n)
                rows.append([f"小区{c}", f"{b}栋", f"{u}单元", room, person["name"], "", person["id_number"],
                             person["phone"], rng.choice(FLAGS)])
                n += 1
    return rows


def csv_bytes(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    buf.write(HEADER + "\r\n")
    for row in rows:
        buf.write(",".join(row) + "\r\n")
    return buf.getvalue().encode()


def timed(fn, *args):
    started = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - started


def cpu(backend: Backend) -> tuple[float, float]:
    """(this process's CPU seconds, the Redis server's): on a shared machine, CPU time says
    what a piece of work costs when wall time mostly says how busy the others are."""
    found = backend.redis.info("cpu")
    return time.process_time(), float(found["used_cpu_user"]) + float(found["used_cpu_sys"])


def costed(backend: Backend, fn, *args):
    """(result, wall s, client CPU s, Redis CPU s) of ``fn(*args)``."""
    c0, r0 = cpu(backend)
    result, wall = timed(fn, *args)
    c1, r1 = cpu(backend)
    return result, wall, c1 - c0, r1 - r0


def read_ms(backend: Backend, fn, times: int) -> tuple[float, float, float]:
    """(median wall ms, mean app CPU ms, mean Redis CPU ms) of ``fn()`` over ``times`` calls."""
    found = []
    c0, r0 = cpu(backend)
    for _ in range(times):
        started = time.perf_counter()
        fn()
        found.append((time.perf_counter() - started) * 1000)
    c1, r1 = cpu(backend)
    return statistics.median(found), (c1 - c0) / times * 1000, (r1 - r0) / times * 1000


def sample_people(backend: Backend, site_id: str, people: list[dict]) -> None:
    for p in people:
        joining.join_people(backend, site_id, [Person(p["name"], p["phone"], "id", p["id_number"])])
        ticket, _ = moves.call_next(backend, site_id, 1)
        moves.transition(backend, ticket["id"], "sampled")


def join_all(backend: Backend, site_id: str, people: list[dict]) -> None:
    for p in people:
        joining.join_people(backend, site_id, [Person(p["name"], p["phone"], "id", p["id_number"])])


def cycle_us(backend: Backend, site_id: str, people: list[dict]) -> dict:
    """Per join -> call -> sampled cycle, and per join alone: µs of wall, client CPU and Redis CPU."""
    half = len(people) // 2
    _, wall, client, server = costed(backend, sample_people, backend, site_id, people[:half])
    _, jwall, jclient, jserver = costed(backend, join_all, backend, site_id, people[half:])
    n, m = half, len(people) - half
    return {"cycle": (wall / n * 1e6, client / n * 1e6, server / n * 1e6),
            "join": (jwall / m * 1e6, jclient / m * 1e6, jserver / m * 1e6)}


def people_of(rows: list[list[str]]) -> list[dict]:
    return [{"name": r[4], "phone": r[7], "id_number": r[6]} for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cycles", type=int, default=1000, help="people per site per round in part 3")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reads", type=int, default=50)
    parser.add_argument("--json")
    args = parser.parse_args()
    info = machine()
    print_machine(info)
    results: dict = {}
    rng = random.Random(20220403)
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(tmp).start()
        try:
            backend = Backend(connect(server.url))
            run(backend, rng, args, results)
            backend.close()
        finally:
            server.stop()
    print(f"speed check after: {speed_check():.1f} ms")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"machine": info, "args": vars(args), "results": results}, fh, indent=1)


def run(backend: Backend, rng: random.Random, args, results: dict) -> None:
    for site_id in ("plain", "member", "small-site", "big-site"):
        registry.create_site(backend, site_id, site_id, 2)
    communities.create_community(backend, "balicha", "八里岔社区", ["member"])

    # 1. Import.
    rows = seeds_community(rng)
    data = csv_bytes(rows)
    households = len({tuple(r[:4]) for r in rows})
    first, *first_cost = costed(backend, roster_import.import_roster, backend, "balicha", data)
    _, *check_cost = costed(backend, roster_import.check_rows, roster_import.read_rows(data))
    again, *again_cost = costed(backend, roster_import.import_roster, backend, "balicha", data)
    changed = [list(r) for r in rows]
    for r in changed[::100]:
        r[7] = "13" + r[7][2:]
        r[3] = r[3] + "A"
    moved, *moved_cost = costed(backend, roster_import.import_roster, backend, "balicha", csv_bytes(changed))
    units = len(coverage.unit_names(backend, "balicha"))
    print(f"\n1. import: {len(rows)} people, {households} households, 17 compounds, {units} units, "
          f"{len(data) / 1e6:.2f} MB CSV (seconds: wall / app CPU / Redis CPU)")
    line = "{:.2f} / {:.2f} / {:.2f} s".format
    print(f"   first import  {line(*first_cost)} ({first['added']} added)")
    print(f"     of which reading and checking the file {line(*check_cost)}")
    print(f"   same file     {line(*again_cost)} ({again['unchanged']} unchanged)")
    print(f"   1% changed    {line(*moved_cost)} ({moved['updated']} updated: a phone and a room each)")
    results["import"] = {"people": len(rows), "households": households, "units": units, "first": first_cost,
                         "check": check_cost, "same": again_cost, "changed": moved_cost}

    # 2. Coverage reads.
    people = people_of(rows)
    before = read_ms(backend, lambda: coverage.coverage(backend, "balicha"), args.reads)
    sample_people(backend, "member", people[: len(people) * 2 // 5])
    after = read_ms(backend, lambda: coverage.coverage(backend, "balicha"), args.reads)
    tested = coverage.coverage(backend, "balicha")["totals"]["tested"]
    same_units = {}
    for cid, site_id, per_unit in (("small", "small-site", 1), ("big", "big-site", 110)):
        communities.create_community(backend, cid, cid, [site_id])
        shaped = [[f"小区{u // 10}", f"{u % 10}栋", "1单元", f"{k}", f"居民{u}-{k}", "",
                   resident(10_000_000 + u * 1000 + k)["id_number"], "", ""]
                  for u in range(50) for k in range(per_unit)]
        roster_import.import_roster(backend, cid, csv_bytes(shaped))
        same_units[cid] = (len(shaped), read_ms(backend, lambda c=cid: coverage.coverage(backend, c), args.reads))
    print(f"\n2. coverage read, the whole tree, {args.reads} reads; ms: median wall / app CPU / Redis CPU")
    ms = "{:.2f} / {:.2f} / {:.2f} ms".format
    print(f"   {len(rows)} people in {units} units, nobody tested:   {ms(*before)}")
    print(f"   {len(rows)} people in {units} units, {tested} tested: {ms(*after)}")
    for n, figures in same_units.values():
        print(f"   {n} people in the same 50 units: {ms(*figures)}")
    results["read"] = {"before": before, "after": after, "tested": tested,
                       "same_units": {str(n): figures for n, figures in same_units.values()}}

    # 3. The cost per sample of keeping coverage live.
    members = people[len(people) * 2 // 5:]
    rng.shuffle(members)
    outsiders = [resident(20_000_000 + i) for i in range(args.cycles * args.rounds)]
    cycles: dict[str, list[dict]] = {"plain": [], "member": []}
    for r in range(args.rounds):
        for site_id, pool in (("plain", outsiders), ("member", members)):
            chunk = pool[r * args.cycles:(r + 1) * args.cycles]
            if len(chunk) < args.cycles:
                raise SystemExit("not enough roster people for --cycles x --rounds")
            cycles[site_id].append(cycle_us(backend, site_id, chunk))
    print(f"\n3. one person at a time, {args.cycles // 2} cycles then {args.cycles - args.cycles // 2} joins per "
          f"site per round, {args.rounds} rounds interleaved; medians, µs: wall / app CPU / Redis CPU")
    figures = {}
    for site_id, label in (("plain", "site in no community"), ("member", "site of the community")):
        figures[site_id] = {what: tuple(statistics.median(r[what][i] for r in cycles[site_id]) for i in range(3))
                            for what in ("cycle", "join")}
        f = figures[site_id]
        print(f"   {label:22s} join -> call -> sampled {f['cycle'][0]:6.0f} / {f['cycle'][1]:5.0f} / "
              f"{f['cycle'][2]:4.0f}    join alone {f['join'][0]:5.0f} / {f['join'][1]:5.0f} / {f['join'][2]:4.0f}")
    plain, member = figures["plain"], figures["member"]
    print(f"   coverage adds per sample: app CPU {member['cycle'][1] - plain['cycle'][1]:+.0f} µs, Redis CPU "
          f"{member['cycle'][2] - plain['cycle'][2]:+.0f} µs; a join: app CPU "
          f"{member['join'][1] - plain['join'][1]:+.0f} µs, Redis CPU {member['join'][2] - plain['join'][2]:+.0f} µs")
    final = coverage.coverage(backend, "balicha")["totals"]
    print(f"   coverage after: {final['tested']} tested of {final['people']} (exact: "
          f"{tested + args.rounds * (args.cycles // 2)} sampled)")
    results["cycle"] = figures


if __name__ == "__main__":
    main()
