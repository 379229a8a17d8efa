"""A bounded, repeatable fault campaign against real natqueue processes on 127.0.0.1.

    python bench/faults.py [--scale 1] [--only 1,2,...] [--seed 14] [--json FILE]

Seven scenarios, each a function with a budget in seconds (times ``--scale``), each
printing one line of figures, then a table of them all (about 5 minutes at scale 1):

1. ``app_killed``: the app (``python app.py``, its embedded Redis with AOF) is killed
   with SIGKILL and started again, over and over, while residents join, each join with
   its own Idempotency-Key and retried until answered: acknowledged joins lost.
2. ``redis_faults``: under a running app, its embedded ``redis-server`` is killed
   (SIGKILL; the app's watchdog starts it again from its AOF), stopped (SIGSTOP for
   ``--hold`` s, then SIGCONT) and frozen (``DEBUG SLEEP``: alive, answering no one):
   acknowledged joins lost, every answer during the fault (a JSON 503?), time to recover.
3. ``callers``: 28 station callers in threads, across two app processes sharing one
   Redis, call and mark one site's queue until it is empty: tickets called twice.
4. ``replays``: joins, calls and marks each sent six times with one key (four at once,
   then two more): anything done twice.
5. ``cross_site``: every site-scoped route of ``app.url_map`` asked by site A's staff
   token about site B (bearer and cookie): refused, of the routes B's own staff may use.
6. ``escaping``: markup in every name a person can type; every HTML page fetched and
   searched for it raw; the lab's CSV searched for a cell a spreadsheet would run.
7. ``sockets``: Socket.IO phones connect and disconnect in waves (half of the waves
   dropped by killing the phones' process): the app's file descriptors and RSS.

It is a benchmark, not a test: run it on purpose, never from .ci/run; results go
to docs/reliability.md ("Figures, measured again"), with ``uptime`` beside them,
because the machine is shared.
"""

import argparse
import datetime
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import ROOT  # noqa: E402
from faults_kit import App, Client, Residents, SharedRedis, check_acked, create_site, staff_token, statuses  # noqa: E402
from faults_misuse import cross_site, escaping, replays, sockets  # noqa: E402

from natqueue.store.connect import connect  # noqa: E402


def _median(values) -> float:
    return statistics.median(values) if values else 0.0


# --- 1. the app killed ---------------------------------------------------------------


def _outcome(app: App, site: dict, residents: Residents) -> tuple[dict, int]:
    """After a run: what the store kept of the acknowledged joins, and the app log's tracebacks."""
    client = connect(app.embedded.url)
    found = check_acked(client, site["id"], residents.acked)
    client.close()
    return found, app.tracebacks()


def app_killed(budget_s: float, work: str, rng: random.Random, threads: int = 6) -> dict:
    """kill -9 of the app every 1-3 s, started again each time on the same port and data.
    The app's embedded Redis gets SIGTERM as its parent dies (PDEATHSIG) and writes its AOF
    out: what this measures is that nothing the app acknowledged was only in the app."""
    app = App(os.path.join(work, "app-killed"))
    with app:
        site = create_site(Client(app.port), "killed", 4)
        residents = Residents(lambda: [app.port], site["id"], threads).start()
        down, end = [], time.monotonic() + budget_s
        try:
            while time.monotonic() < end:
                time.sleep(rng.uniform(1.0, 3.0))
                began = time.monotonic()
                app.kill()
                app.start()
                down.append(time.monotonic() - began)
        finally:
            residents.finish()
        found, tracebacks = _outcome(app, site, residents)
    return {"lost": found["lost"], "joins": len(residents.acked), "kills": len(down),
            "twice": found["twice"], "refused": statuses(residents.refused), "pending": len(residents.pending),
            "down_median_s": round(_median(down), 2), "down_max_s": round(max(down, default=0), 2),
            "tracebacks": tracebacks}


# --- 2. Redis killed, stopped, frozen ------------------------------------------------


def _freeze(app: App, hold_s: float) -> None:
    import redis

    r = redis.Redis(unix_socket_path=app.embedded.socket_path, socket_timeout=hold_s + 30)
    try:
        r.execute_command("DEBUG", "SLEEP", hold_s)
    finally:
        r.close()


def _fault(app: App, kind: str, hold_s: float) -> tuple[float, float]:
    """Cause one fault; its start and end (monotonic)."""
    pid = app.redis_pid()
    start = time.monotonic()
    if kind == "kill":
        os.kill(pid, signal.SIGKILL)
    elif kind == "stop":
        os.kill(pid, signal.SIGSTOP)
        try:
            time.sleep(hold_s)
        finally:
            os.kill(pid, signal.SIGCONT)
    else:
        _freeze(app, hold_s)
    return start, time.monotonic() if kind != "kill" else start


def redis_faults(budget_s: float, work: str, rng: random.Random, threads: int = 8, hold_s: float = 5.0) -> dict:
    """Kill, stop and freeze in turn, 2-4 s of calm between, each fault over once joins are
    answered again; the app runs with its default deadline (3 s) and watchdog (1 s)."""
    app = App(os.path.join(work, "redis-faults"))
    windows = []
    with app:
        site = create_site(Client(app.port), "redis", 4)
        residents = Residents(lambda: [app.port], site["id"], threads).start()
        end = time.monotonic() + budget_s
        try:
            for kind in ["kill", "stop", "freeze"] * 100:
                time.sleep(rng.uniform(2.0, 4.0))
                if time.monotonic() > end:
                    break
                first = len(residents.answers)
                start, stopped = _fault(app, kind, hold_s)
                recovered = _recovered(residents, stopped, 30, first)
                windows.append((kind, start, stopped, recovered))
                if (pid := app.redis_pid()) and pid not in app.redis_pids:
                    app.redis_pids.append(pid)
        finally:
            residents.finish()
        found, tracebacks = _outcome(app, site, residents)
    kills = [start for kind, start, _, _ in windows if kind == "kill"]
    before_kill = [min(k - t for k in kills if k >= t) for t in found["lost_at"] if any(k >= t for k in kills)]
    return {"lost": found["lost"], "joins": len(residents.acked), "twice": found["twice"],
            "lost_before_kill": len(before_kill), "lost_within_s": round(max(before_kill, default=0), 2),
            "refused": statuses(residents.refused), "pending": len(residents.pending),
            "tracebacks": tracebacks, **_read_windows(windows, residents)}


def _recovered(residents: Residents, after: float, timeout: float, first: int = 0) -> float | None:
    """When the first join sent after ``after`` was answered 201 (None: not within ``timeout``).
    Sent after: a join already in Redis's hands when the fault began may still be answered 201."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with residents.lock:
            done = [a.t1 for a in residents.answers[first:] if a.status == 201 and a.t0 >= after]
        if done:
            return min(done)
        time.sleep(0.02)
    return None


def _read_windows(windows, residents: Residents) -> dict:
    """Per kind of fault: answers given during it, how many were the JSON 503, the slowest
    answer, the time to recover; and the joins acknowledged in the second before each kill
    (what ``appendfsync everysec`` leaves unsynced, should the machine itself go down)."""
    by_kind: dict[str, dict] = {}
    answers = list(residents.answers)
    for kind, start, stopped, recovered in windows:
        k = by_kind.setdefault(kind, {"n": 0, "answers": 0, "json_503": 0, "ok": 0, "no_answer": 0, "other": {},
                                      "slowest_s": 0.0, "recover_s": [], "unrecovered": 0, "acked_1s_before": 0})
        k["n"] += 1
        if recovered is None:
            k["unrecovered"] += 1
        until = recovered or float("inf")
        for a in answers:
            if start <= a.t1 < until:
                k["answers"] += 1
                k["slowest_s"] = max(k["slowest_s"], round(a.t1 - a.t0, 2))
                if a.json_503:
                    k["json_503"] += 1
                elif a.status == 201:  # answered before the fault bit, or served through it
                    k["ok"] += 1
                elif a.status == 0:
                    k["no_answer"] += 1
                else:
                    k["other"][str(a.status)] = k["other"].get(str(a.status), 0) + 1
            if kind == "kill" and a.status == 201 and start - 1 <= a.t1 < start:
                k["acked_1s_before"] += 1
        if recovered is not None:
            k["recover_s"].append(recovered - stopped)
    for k in by_kind.values():
        times = k.pop("recover_s")
        k["recover_median_s"], k["recover_max_s"] = round(_median(times), 2), round(max(times, default=0), 2)
    return {"faults": by_kind}


# --- 3. concurrent callers -------------------------------------------------------------


def callers(budget_s: float, work: str, rng: random.Random, tickets: int = 1800, count: int = 28) -> dict:
    """``tickets`` queued, then ``count`` callers, two per station (one through each process, as
    two consoles on one table would be), call and mark sampled until nobody waits. A double
    call is one ticket handed to two calls."""
    with (SharedRedis(os.path.join(work, "callers-redis")) as server,
          App(os.path.join(work, "callers-a"), server.url) as a, App(os.path.join(work, "callers-b"), server.url) as b):
        apps = (a, b)
        site = create_site(Client(a.port), "callers", count // 2, tubes=False)
        fill = Residents(lambda: [a.port, b.port], site["id"], 8, limit=tickets).start().join()
        tokens = [staff_token(Client(app.port), site) for app in apps]
        calls: list[str] = []
        odd: list = []
        lock = threading.Lock()
        end = time.monotonic() + budget_s

        def caller(i: int) -> None:
            client, staff = Client(apps[i % 2].port), {"Authorization": f"Bearer {tokens[i % 2]}"}
            station = i // 2 + 1
            while time.monotonic() < end:
                answer = client.call("POST", f"/api/v1/sites/{site['id']}/stations/{station}/call", None, staff)
                ticket = answer.body.get("ticket") if answer.status == 200 else None
                if answer.status == 200 and ticket is None:
                    return  # nobody waits
                if ticket is None:
                    with lock:
                        odd.append(answer)
                    continue
                with lock:
                    calls.append(ticket["id"])
                mark = client.call("POST", f"/api/v1/tickets/{ticket['id']}/sampled", None,
                                   {**staff, "Idempotency-Key": f"mark-{ticket['id']}"})
                if mark.status != 200:
                    with lock:
                        odd.append(mark)

        storm = [threading.Thread(target=caller, args=(i,)) for i in range(count)]
        began = time.monotonic()
        for t in storm:
            t.start()
        for t in storm:
            t.join()
        took = time.monotonic() - began
        client = connect(server.url)
        left = _waiting(client, site["id"])
        client.close()
        tracebacks = a.tracebacks() + b.tracebacks()
    seen: dict[str, int] = {}
    for tid in calls:
        seen[tid] = seen.get(tid, 0) + 1
    return {"double": sum(1 for n in seen.values() if n > 1), "called": len(seen), "queued": len(fill.acked),
            "left_waiting": left, "callers": count, "calls_per_s": round(len(calls) / took, 1),
            "odd": statuses(odd), "tracebacks": tracebacks}


def _waiting(client, site_id: str) -> int:
    from natqueue.keys import SiteKeys

    return client.zcard(SiteKeys(site_id).waiting)



# --- the campaign ------------------------------------------------------------------------------


def _n(x) -> str:
    return f"{x:,}"


def _fds(kinds: dict) -> str:
    return f"{kinds['tcp']} TCP + {kinds['other']} other, {kinds['unix']} pooled Redis"


def _kinds(faults: dict) -> str:
    words = {"kill": "killed", "stop": "stopped", "freeze": "frozen"}
    return "; ".join(
        f"{words[k]} x{f['n']}: {f['json_503']}/{f['answers']} answers a JSON 503"
        + (f", {f['ok']} a 201" if f["ok"] else "")
        + (f", {f['no_answer']} none" if f["no_answer"] else "")
        + (f", other {f['other']}" if f["other"] else "")
        + f", slowest {f['slowest_s']} s, back in {f['recover_median_s']} s (max {f['recover_max_s']})"
        + (f", {f['unrecovered']} never back" if f["unrecovered"] else "")
        for k, f in faults.items())


#: number, name, function, budget (s) at scale 1, the headline figure, whether it holds, and its line.
SCENARIOS = [
    (1, "app killed (SIGKILL) and restarted", app_killed, 40,
     lambda r: f"{r['lost']} acknowledged joins lost of {_n(r['joins'])}",
     lambda r: r["lost"] == 0 and r["twice"] == 0 and not r["refused"] and not r["pending"],
     lambda r: f"{r['kills']} kills, down {r['down_median_s']} s (max {r['down_max_s']}); {r['twice']} people "
               f"queued twice; retries refused {r['refused'] or 0}; never acknowledged {r['pending']}"),
    (2, "Redis killed, stopped, frozen", redis_faults, 70,
     lambda r: f"{r['lost']} acknowledged joins lost of {_n(r['joins'])}",
     lambda r: (r["lost"] == 0 and r["twice"] == 0 and not r["refused"]
                and all(f["answers"] == f["json_503"] + f["ok"] and not f["unrecovered"]
                        for f in r["faults"].values())),
     lambda r: (f"of those lost, {r['lost_before_kill']} were acknowledged at most {r['lost_within_s']} s "
                f"before a kill; " if r["lost"] else "") + _kinds(r["faults"])
     + f"; joins acknowledged in the second before a kill: {sum(f['acked_1s_before'] for f in r['faults'].values())}"
       f"; {r['twice']} people queued twice"),
    (3, "28 callers on 2 processes", callers, 35,
     lambda r: f"{r['double']} double calls among {_n(r['called'])} tickets",
     lambda r: r["double"] == 0 and r["called"] + r["left_waiting"] == r["queued"] and not r["odd"],
     lambda r: f"{r['callers']} callers, {r['calls_per_s']} calls/s; of {_n(r['queued'])} queued, "
               f"{r['left_waiting']} still waiting when the budget ended; other answers {r['odd'] or 0}"),
    (4, "idempotent replays (join, call, mark)", replays, 15,
     lambda r: f"{r['duplicates']} duplicates over {_n(r['requests'])} requests",
     lambda r: r["duplicates"] == 0 and not r["odd"],
     lambda r: f"{r['rounds']} rounds of 6 joins, 6 calls, 6 marks with one key each; by move {r['by_move']}; "
               f"other answers {r['odd'] or 0}; a key reused for another person: {r['same_key_other_person']}"),
    (5, "site A's staff at site B", cross_site, 0,
     lambda r: f"refused on {r['refused']}/{r['routes']} staff routes",
     lambda r: all(x["refused"] == x["routes"] and x["organizer_refused"] == x["organizer_routes"]
                   and not x["not_refused"] for x in (r, r["communities"]))
     and not r["site_b_changed"] and not r["communities"]["changed"],
     lambda r: f"and on {r['organizer_refused']}/{r['organizer_routes']} organizer routes (bearer and cookie); "
               f"site B changed: {'yes' if r['site_b_changed'] else 'no'}; community A's sweep team and site A's "
               f"staff at community B: refused on {r['communities']['refused']}/{r['communities']['routes']} "
               f"sweep routes and {r['communities']['organizer_refused']}/{r['communities']['organizer_routes']} "
               f"organizer routes, community B changed: {'yes' if r['communities']['changed'] else 'no'}; "
               f"not refused {(r['not_refused'] + r['communities']['not_refused']) or 'none'}"),
    (6, "markup and formulas as names", escaping, 0,
     lambda r: f"{len(r['raw_markup'])} raw markup on {r['pages']} pages; "
               f"{len(r['formula_cells_unguarded'])} live formula cells",
     lambda r: not r["raw_markup"] and not r["formula_cells_unguarded"] and r["formula_cells_guarded"] > 0,
     lambda r: f"markup stored in {r['stored']}/{r['places']} places, {r['fetched']} fetches (3 roles x 2 "
               f"languages); {r['formula_cells_guarded']} formula cells guarded of {r['cells']} (the lab's CSV and "
               f"XLSX, the community's report)"),
    (7, "Socket.IO connects and drops", sockets, 120,
     lambda r: f"{r['fd_leak']} fds leaked over {_n(r['sockets'])} sockets",
     lambda r: r["fd_leak"] <= 0 and r["fds_after"]["unix"] <= 200 and not r["failed"],
     lambda r: f"{r['waves']} waves, half dropped; fds {_fds(r['fds_before'])} -> peak {r['fds_peak']} -> "
               f"{_fds(r['fds_after'])}; RSS {r['rss_before_mb']} -> {r['rss_after_mb']} MB; {r['failed']} failed"),
]


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every budget and count")
    parser.add_argument("--only", default="", help="scenario numbers, e.g. 1,3")
    parser.add_argument("--seed", type=int, default=14, help="the kills' timing")
    parser.add_argument("--hold", type=float, default=5.0, help="seconds Redis stays stopped or frozen")
    parser.add_argument("--json", help="write every figure here")
    args = parser.parse_args()
    only = {int(x) for x in args.only.split(",") if x.strip()}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    print(f"natqueue fault campaign, {datetime.date.today()}, commit {commit}, scale {args.scale}")
    print(f"uptime before: {_uptime()}")
    work = tempfile.mkdtemp(prefix="natq-faults-")
    extra = {2: {"hold_s": args.hold}, 3: {"tickets": int(1800 * args.scale)},
             7: {"total": int(2000 * args.scale)}}
    rows, results = [], {}
    try:
        for number, name, run, budget, headline, holds, detail in SCENARIOS:
            if only and number not in only:
                continue
            began = time.monotonic()
            try:
                r = run(budget * args.scale, work, random.Random(args.seed + number), **extra.get(number, {}))
                ok, text = holds(r), f"{headline(r)}; {detail(r)}; {r['tracebacks']} tracebacks in the app's log"
                ok = ok and r["tracebacks"] == 0
            except Exception as exc:  # noqa: BLE001 - one scenario failing is a finding; the others still run
                r, ok, text = {"error": repr(exc)}, False, f"could not run: {exc!r}"
            took = time.monotonic() - began
            results[number] = {"name": name, "seconds": round(took, 1), "holds": ok, **r}
            rows.append((number, name, headline(r) if "error" not in r else "error", ok, took))
            print(f"{number}. {name}: {text} [{took:.0f} s]", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    after = _uptime()
    print(f"uptime after: {after}")
    print()
    print(f"{'':2} {'scenario':40} {'figure':58} {'holds':5} {'s':>4}")
    for number, name, figure, ok, took in rows:
        print(f"{number:<2} {name:40} {figure:58} {'yes' if ok else 'NO':5} {took:4.0f}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"date": str(datetime.date.today()), "commit": commit, "scale": args.scale, "uptime_after": after,
                       "results": results}, fh, indent=1, ensure_ascii=False)
    return 0 if all(row[3] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
