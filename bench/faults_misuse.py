"""The fault campaign's scenarios 4 to 7 (see bench/faults.py): what holds against misuse.

Replayed requests, another site's staff, markup and formulas typed as names, and
thousands of sockets opened and dropped: each against a real ``python app.py``.
"""

import csv
import io
import json
import os
import random
import re
import subprocess
import threading
import time
from urllib.parse import quote

from common import BENCH, PYTHON, child_setup, read_line, resident
from faults_kit import ADMIN, App, Client, create_site, fd_count, fd_kinds, rss_kb, staff_token, statuses

# --- 4. idempotent replays -------------------------------------------------------------


def _six_times(clients: list[Client], method: str, path: str, body, headers: dict) -> list:
    """The same request four times at once, then twice more after: a double tap, then retries."""
    gate, answers = threading.Barrier(4), [None] * 4

    def send(i: int) -> None:
        gate.wait()
        answers[i] = clients[i].call(method, path, body, headers)

    burst = [threading.Thread(target=send, args=(i,)) for i in range(4)]
    for t in burst:
        t.start()
    for t in burst:
        t.join()
    return answers + [clients[0].call(method, path, body, headers) for _ in range(2)]


def replays(budget_s: float, work: str, rng: random.Random) -> dict:
    with App(os.path.join(work, "replays")) as app:
        clients = [Client(app.port) for _ in range(4)]
        site = create_site(clients[0], "replay", 1, tubes=False)
        staff = {"Authorization": f"Bearer {staff_token(clients[0], site)}"}
        twice = {"join": 0, "call": 0, "mark": 0}
        other: list = []
        rounds, end = 0, time.monotonic() + budget_s
        while time.monotonic() < end:
            n = 500_000 + rounds
            moves = [("join", "POST", f"/api/v1/sites/{site['id']}/tickets", resident(n), {}, 201),
                     ("call", "POST", f"/api/v1/sites/{site['id']}/stations/1/call", None, staff, 200)]
            ticket = None
            for what, method, path, body, headers, ok in moves:
                answers = _six_times(clients, method, path, body, {**headers, "Idempotency-Key": f"{what}-{n}"})
                other += [a for a in answers if a.status != ok]
                ids = {json.dumps(_ticket_of(a.body)) for a in answers if a.status == ok}
                twice[what] += max(0, len(ids) - 1)
                ticket = _ticket_of(answers[0].body)
            if ticket:
                answers = _six_times(clients, "POST", f"/api/v1/tickets/{ticket['id']}/sampled", None,
                                     {**staff, "Idempotency-Key": f"mark-{n}"})
                other += [a for a in answers if a.status != 200]
                twice["mark"] += max(0, len({a.body.get("finished_ms") for a in answers if a.status == 200}) - 1)
            rounds += 1
        counts: dict[str, int] = {}  # the day's counters, as the organizer reads them
        for r in clients[0].call("GET", f"/api/v1/sites/{site['id']}/rounds", None, ADMIN).body["rounds"]:
            for name, value in r["counts"].items():
                counts[name] = counts.get(name, 0) + value
        # The same key, another person: issue 14 point 9 (informational here).
        reused = clients[0].call("POST", f"/api/v1/sites/{site['id']}/tickets", resident(900_000),
                                 {"Idempotency-Key": "join-500000"})
        tracebacks = app.tracebacks()
    done_twice = {"joined": counts.get("joined", -1) - rounds, "sampled": counts.get("sampled", -1) - rounds}
    return {"duplicates": sum(twice.values()) + sum(abs(v) for v in done_twice.values()), "rounds": rounds,
            "requests": rounds * 18, "by_move": twice, "counts_beyond_rounds": done_twice, "odd": statuses(other),
            "same_key_other_person": f"{reused.status} {reused.code or ''}".strip(), "tracebacks": tracebacks}


def _ticket_of(body) -> dict | None:
    """The ticket a join, a call or a mark answered with (its id and number)."""
    if not isinstance(body, dict):
        return None
    ticket = body["ticket"] if "ticket" in body else body
    return {"id": ticket.get("id"), "number": ticket.get("number")} if isinstance(ticket, dict) else None


# --- 5. site A's staff at site B ---------------------------------------------------------

_ARG = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
_MOVES = ("recall", "check-in", "no-show", "sampled")


def _routes(app: App) -> list[tuple[str, str]]:
    """(method, rule) of every route, read from the app's own ``url_map``."""
    from natqueue.web import close_app, create_app

    flask_app = create_app({"REDIS_URL": app.embedded.url, "NATQ_MESSAGE_QUEUE": "off",
                            "NATQ_DATA_DIR": os.path.join(app.data_dir, "url-map"), "NATQ_ADMIN_TOKEN": "unused"})
    try:
        return sorted((m, r.rule) for r in flask_app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"})
    finally:
        close_app(flask_app)


def _fill(rule: str, values: dict) -> list[str]:
    """The rule's paths with its arguments filled in (one per staff move for ``<move>``)."""
    if "<move>" in rule:
        return [p for move in _MOVES for p in _fill(rule.replace("<move>", move), values)]
    fmt = "csv" if "export" in rule else "svg"
    return [_ARG.sub(lambda m: quote(str({**values, "fmt": fmt}.get(m.group(1), "x")), safe=""), rule)]


def _strangers(client: Client, routes: list, strangers: dict, own: dict, state) -> dict:
    """Each route asked by every stranger (name -> headers) first, then by nobody and by the
    owner: a route refused to nobody but not to its owner is the owner's; its strangers must
    be refused there (401 or 403), and whatever they sent must leave ``state()`` as it was."""
    def ask(method, path, headers):
        return client.call(method, path, {} if method != "GET" else None, headers).status

    before = state()
    asked = {r: {name: ask(*r, h) for name, h in strangers.items()} for r in routes}
    changed = state() != before
    owners, organizers, leaks = [], [], []
    for r in routes:
        if ask(*r, {}) not in (401, 403):
            continue  # public: anyone may
        (organizers if ask(*r, own) in (401, 403) else owners).append(r)
        leaks += [f"{r[0]} {r[1]} as {name}: {st}" for name, st in asked[r].items() if st not in (401, 403)]
    refused = [r for r in owners if all(st in (401, 403) for st in asked[r].values())]
    refused_org = [r for r in organizers if all(st in (401, 403) for st in asked[r].values())]
    return {"refused": len(refused), "routes": len(owners), "organizer_refused": len(refused_org),
            "organizer_routes": len(organizers), "not_refused": leaks, "changed": changed}


def _sweep_token(client: Client, community_id: str) -> str:
    code = client.call("POST", f"/api/v1/communities/{community_id}/sweep-code", None, ADMIN).body["code"]
    return client.call("POST", "/api/v1/auth/sweep", {"community": community_id, "code": code,
                                                      "team": "扫楼队"}).body["token"]


def _roster_csv(first: int, names: list[str] | None = None) -> bytes:
    """A community's household roster of two people (their names given, or plain ones)."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(["compound", "building", "unit", "room", "name", "doc_type", "id_number", "phone", "flags"])
    for i, name in enumerate(names or [None, None]):
        r = resident(first + i)
        out.writerow(["小区1", "1栋", "1单元", f"10{i + 1}", name or r["name"], "", r["id_number"], r["phone"], ""])
    return buf.getvalue().encode()


def cross_site(budget_s: float, work: str, rng: random.Random) -> dict:
    """Site A's staff at site B, and community A's sweep team (and site A's staff) at community B."""
    with App(os.path.join(work, "cross-site")) as app:
        client = Client(app.port)
        a, b = create_site(client, "site-a", 2), create_site(client, "site-b", 2)
        token_a, token_b = staff_token(client, a), staff_token(client, b)
        waiting = [client.call("POST", "/api/v1/sites/site-b/tickets", resident(700_000 + i)).body for i in range(3)]
        for c, site in (("comm-a", "site-a"), ("comm-b", "site-b")):
            client.call("POST", "/api/v1/communities", {"id": c, "name": f"社区 {c}", "sites": [site]}, ADMIN)
            client.call("PUT", f"/api/v1/communities/{c}/roster", _roster_csv(710_000 if c == "comm-b" else 720_000),
                        {**ADMIN, "Content-Type": "text/csv"})
        sweep_a, sweep_b = _sweep_token(client, "comm-a"), _sweep_token(client, "comm-b")
        household = client.call("GET", "/api/v1/communities/comm-b/sweep", None, ADMIN).body["households"][0]
        values = {"site_id": "site-b", "number": 1, "team": 1, "ticket_id": waiting[0]["id"], "round_id": 1,
                  "alert_id": "none", "code": "1000000001", "community_id": "comm-b", "hid": household["id"],
                  "pid": household["people"][0]["id"], "round_n": 1}
        rules = _routes(app)
        sites = _strangers(
            client, [(m, p) for m, rule in rules if "<site_id>" in rule or "<ticket_id>" in rule
                     for p in _fill(rule, values)],
            {"bearer": {"Authorization": f"Bearer {token_a}"}, "cookie": {"Cookie": f"natq_staff={token_a}"}},
            {"Authorization": f"Bearer {token_b}"},
            lambda: client.call("GET", "/api/v1/sites/site-b").body.get("last_event_id"))
        communities = _strangers(
            client, [(m, p) for m, rule in rules if "<community_id>" in rule for p in _fill(rule, values)],
            {"sweep bearer": {"Authorization": f"Bearer {sweep_a}"},
             "sweep cookie": {"Cookie": f"natq_sweep={sweep_a}"}, "site staff": {"Authorization": f"Bearer {token_a}"}},
            {"Authorization": f"Bearer {sweep_b}"},
            lambda: client.call("GET", "/api/v1/communities/comm-b/coverage", None, ADMIN).body)
        tracebacks = app.tracebacks()
    return {**sites, "site_b_changed": sites.pop("changed"), "communities": communities, "tracebacks": tracebacks}


# --- 6. markup and formulas typed as names ---------------------------------------------------

#: Markup a person could type where a name goes (each within the 40 characters a name may have).
MARKUP = ["<script>alert(1)</script>", "\"'><img src=x onerror=alert(2)>", "</script><img src=x onerror=alert(3)>"]
#: What must never reach a page unescaped.
RAW = ("<script>alert(", "<img src=x onerror", "</script><img")
#: Names a spreadsheet would run as a formula if a cell began with them.
FORMULAS = ['=HYPERLINK("http://x","y")', "+SUM(1,2)", "-2+3", "@SUM(1)"]


def _store_markup(client: Client, site_id: str, staff: dict) -> dict:
    """Markup everywhere a person types text: the answer each place gave (201/200: stored)."""
    base = f"/api/v1/sites/{site_id}"
    places = {"site address": ("PATCH", base, {"address": MARKUP[2] + MARKUP[1]}, ADMIN),
              "round name": ("POST", base + "/rounds", {"name": MARKUP[0] + MARKUP[1]}, ADMIN),
              "medic": ("POST", base + "/stations/1/medic", {"name": MARKUP[1]}, staff),
              "roster": ("PUT", base + "/stations/1/roster", {"people": [{"name": MARKUP[2], "role": "medic"}]}, staff),
              "home visit": ("POST", base + "/home", {**resident(800_100), "name": MARKUP[0],
                                                      "address": MARKUP[1], "reason": MARKUP[2]}, staff),
              "home medic": ("POST", base + "/home/1/medic", {"name": MARKUP[0]}, staff)}
    for i, name in enumerate(MARKUP + FORMULAS):
        places[f"name {name}"] = ("POST", base + "/tickets", {**resident(800_000 + i), "name": name}, {})
    community = "/api/v1/communities"
    places |= {"community name": ("POST", community, {"id": "esc-c", "name": MARKUP[0] + MARKUP[1],
                                                      "sites": [site_id]}, ADMIN),
               "community roster": ("PUT", community + "/esc-c/roster", _roster_csv(810_000, MARKUP[1:] + FORMULAS),
                                    {**ADMIN, "Content-Type": "text/csv"}),
               "community round": ("POST", community + "/esc-c/rounds", {"name": MARKUP[2]}, ADMIN)}
    return {what: client.call(m, path, body, headers).status for what, (m, path, body, headers) in places.items()}


def escaping(budget_s: float, work: str, rng: random.Random) -> dict:
    with App(os.path.join(work, "escaping")) as app:
        client = Client(app.port)
        site = create_site(client, "esc", 2, name=MARKUP[0] + MARKUP[1])
        staff = {"Authorization": f"Bearer {staff_token(client, site)}"}
        stored = _store_markup(client, "esc", staff)
        client.call("POST", "/api/v1/sites/esc/stations/1/tube", {"code": "1000000001"}, staff)
        for _ in range(len(MARKUP) + len(FORMULAS)):  # every name sampled: every name in the lab's files
            ticket = client.call("POST", "/api/v1/sites/esc/stations/1/call", None, staff).body.get("ticket")
            if not ticket:
                break
            client.call("POST", f"/api/v1/tickets/{ticket['id']}/sampled", None, staff)
        values = {"site_id": "esc", "number": 1, "team": 1, "community_id": "esc-c", "round_n": 1}
        pages, raw_on, fetched = set(), [], 0
        who = {"anyone": {}, "staff": {"Cookie": f"natq_staff={staff['Authorization'][7:]}"}, "organizer": ADMIN}
        for method, rule in _routes(app):
            if method != "GET" or rule.startswith(("/api/", "/static")):
                continue
            for path, (name, headers), lang in [(p, w, lang) for p in _fill(rule, values) for w in who.items()
                                                for lang in ("zh_CN", "en")]:
                extra = "&compound=%E5%B0%8F%E5%8C%BA1&building=1%E6%A0%8B" if rule.endswith("/notice") else ""
                answer = client.call("GET", f"{path}?lang={lang}{extra}", None, headers, raw=True)
                fetched += 1
                if answer.status == 200 and answer.headers.get("content-type", "").startswith("text/html"):
                    pages.add(rule)
                    text = answer.body.decode("utf-8", "replace")
                    raw_on += [f"{rule} as {name}: {m}" for m in RAW if m in text]
        missing = client.call("GET", "/s/" + quote(MARKUP[0] + MARKUP[1], safe=""), None, {}, raw=True)
        raw_on += [f"404 page: {m}" for m in RAW if m in missing.body.decode("utf-8", "replace")]
        cells = _lab_cells(client, "esc")
        tracebacks = app.tracebacks()
    unguarded = [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    guarded = [c for c in cells if c[:1] == "'" and c[1:2] in ("=", "+", "-", "@")]
    return {"raw_markup": raw_on, "pages": len(pages), "fetched": fetched,
            "stored": sum(1 for s in stored.values() if s in (200, 201)), "places": len(stored),
            "not_stored": {k: v for k, v in stored.items() if v not in (200, 201)},
            "formula_cells_unguarded": unguarded, "formula_cells_guarded": len(guarded),
            "cells": len(cells), "tracebacks": tracebacks}


def _lab_cells(client: Client, site_id: str) -> list[str]:
    """Every cell of every round's CSV and XLSX export, and of the community's round report."""
    found = []
    for r in client.call("GET", f"/api/v1/sites/{site_id}/rounds", None, ADMIN).body["rounds"]:
        base = f"/api/v1/sites/{site_id}/rounds/{r['id']}/export"
        text = client.call("GET", base + ".csv", None, ADMIN, raw=True).body.decode("utf-8-sig")
        found += [cell for row in csv.reader(io.StringIO(text)) for cell in row]
        found += _xlsx_cells(client.call("GET", base + ".xlsx", None, ADMIN, raw=True).body)
    report = client.call("GET", "/api/v1/communities/esc-c/rounds/1/report.xlsx", None, ADMIN, raw=True)
    return found + (_xlsx_cells(report.body) if report.status == 200 else ["(no community report)"])


def _xlsx_cells(data: bytes) -> list[str]:
    """Every cell of every sheet of a workbook, as text."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    return [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]


# --- 7. sockets and file descriptors ---------------------------------------------------------


def _wave(app: App, site_id: str, count: int, drop: bool) -> dict:
    """``count`` phones (bench/phones.py) connect and watch the site; then they disconnect,
    or, with ``drop``, their process is killed: the sockets close under the server."""
    proc = subprocess.Popen([PYTHON, os.path.join(BENCH, "phones.py"), "--url", f"http://127.0.0.1:{app.port}",
                             "--site", site_id, "--count", str(count), "--concurrency", "50"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            preexec_fn=child_setup(None))
    try:
        _, watching, failed = read_line(proc, 120).split()
        fds = fd_count(app.proc.pid)
        if drop:
            proc.kill()
        else:
            proc.stdin.write("STOP\n")
            proc.stdin.flush()
            read_line(proc, 120)
        return {"watching": int(watching), "failed": int(failed), "fds_connected": fds}
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def sockets(budget_s: float, work: str, rng: random.Random, total: int = 2000, wave: int = 200) -> dict:
    """Waves of ``wave`` phones, every other one dropped, until ``total`` or the budget: the app's
    open files after against before. A leak is a socket or file still open after its phone
    left; Redis's connection pool is counted apart: it keeps what the busiest moment needed
    (50 phones connecting at once), reuses it, and never holds more than 200."""
    with App(os.path.join(work, "sockets")) as app:
        create_site(Client(app.port), "sockets", 1)
        pid = app.proc.pid
        _wave(app, "sockets", wave, drop=False)
        time.sleep(1)
        before, rss0 = fd_kinds(pid), rss_kb(pid)
        done, failed, peak, waves, rss = 0, 0, sum(before.values()), 0, []
        end = time.monotonic() + budget_s
        while done < total and time.monotonic() < end:
            got = _wave(app, "sockets", min(wave, total - done), drop=waves % 2 == 1)
            done, failed, waves = done + got["watching"] + got["failed"], failed + got["failed"], waves + 1
            peak = max(peak, got["fds_connected"])
            rss.append(round(rss_kb(pid) / 1024, 1))
        deadline = time.monotonic() + 20  # a dropped socket is closed when the server reads its end
        while fd_kinds(pid)["tcp"] > before["tcp"] and time.monotonic() < deadline:
            time.sleep(0.2)
        after, rss1 = fd_kinds(pid), rss_kb(pid)
        tracebacks = app.tracebacks()
    return {"sockets": done, "failed": failed, "waves": waves, "fds_before": before, "fds_peak": peak,
            "fds_after": after, "fd_leak": after["tcp"] + after["other"] - before["tcp"] - before["other"],
            "rss_before_mb": round(rss0 / 1024, 1), "rss_after_mb": round(rss1 / 1024, 1), "rss_by_wave_mb": rss,
            "tracebacks": tracebacks}
