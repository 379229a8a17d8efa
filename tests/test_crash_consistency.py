"""An app process killed outright (kill -9) in the middle of a call storm on two processes.

Each state change is one Lua script, so a process that dies mid-request leaves a change either
whole or absent. This test holds that to account from the outside: after the kill, and again
after the process is restarted and the storm goes on, every ticket is in exactly one consistent
state — never both waiting and called, never missing from every set.
"""

import http.client
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from natqueue.keys import SiteKeys
from natqueue.store.connect import connect
from natqueue.store.embedded import EmbeddedRedis
from tests.conftest import UNLIMITED_JOINS_ENV, person
from tests.test_multiprocess import ROOT, _free_port, _request

TOKEN = "crash-organizer"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
SITE = "crash"
STATIONS = 4


class App:
    """One app process on a fixed port, which the test can kill and start again."""

    def __init__(self, redis_url: str, data_dir: str):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "REDIS_URL": redis_url, "NATQ_ADMIN_TOKEN": TOKEN,
                    "NATQ_DATA_DIR": data_dir, "PORT": str(self.port), **UNLIMITED_JOINS_ENV}
        self.env.pop("NATQ_MESSAGE_QUEUE", None)
        self.proc: subprocess.Popen | None = None

    def start(self) -> "App":
        self.proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                if _request("GET", self.url + "/api/v1/sites")[0] == 200:
                    return self
            except (OSError, ValueError):
                pass
            assert time.monotonic() < deadline, "app process did not start"
            time.sleep(0.1)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def cluster(tmp_path):
    server = EmbeddedRedis(str(tmp_path / "redis")).start()
    apps = [App(server.url, str(tmp_path / f"app{i}")) for i in range(2)]
    try:
        for app in apps:
            app.start()
        yield server, apps
    finally:
        for app in apps:
            app.stop()
        server.stop()


def _inconsistencies(client) -> list[str]:
    """Every ticket against the sets that say where it is, all read in one MULTI: one moment."""
    keys = SiteKeys(SITE)
    ticket_keys = sorted(client.scan_iter(match=keys.ticket_prefix + "*", count=1000))
    pipe = client.pipeline(transaction=True)
    pipe.zrange(keys.waiting, 0, -1)
    for lane in ("p", "r", "sp", "sr"):
        pipe.zrange(keys.lane(lane), 0, -1)
    for n in range(1, STATIONS + 1):
        pipe.zrange(keys.serving(n), 0, -1)
    pipe.hgetall(keys.live_ids)
    for key in ticket_keys:
        pipe.hgetall(key)
    read = pipe.execute()
    waiting = set(read[0])
    lanes = dict(zip(("p", "r", "sp", "sr"), map(set, read[1:5]), strict=True))
    serving = dict(zip(range(1, STATIONS + 1), map(set, read[5:5 + STATIONS]), strict=True))
    live = read[5 + STATIONS]
    tickets = read[6 + STATIONS:]
    found = []
    for raw in tickets:
        tid, status = raw["id"], raw["status"]
        in_lanes = [lane for lane, members in lanes.items() if tid in members]
        at = [n for n, members in serving.items() if tid in members]
        if status == "waiting":
            ok = tid in waiting and in_lanes == [raw["lane"]] and not at and live.get(raw["person"]) == tid
        elif status == "called":
            ok = (tid not in waiting and not in_lanes and at == [int(raw["station"])]
                  and live.get(raw["person"]) == tid)
        else:
            ok = tid not in waiting and not in_lanes and not at and live.get(raw["person"]) != tid
        if not ok:
            found.append(f"{raw['number']} {status} waiting={tid in waiting} lanes={in_lanes} serving={at}")
    known = {raw["id"] for raw in tickets}
    found += [f"{tid} is in a set but has no ticket" for tid in (waiting | set(live.values())) - known]
    return found


def test_a_killed_process_leaves_every_ticket_in_one_consistent_state(cluster):
    server, (a, b) = cluster
    assert _request("POST", a.url + "/api/v1/sites", {"id": SITE, "name": "断电", "stations": STATIONS,
                                                "require_tube": False},
                    ADMIN)[0] == 201
    for seed in range(240):
        assert _request("POST", (a, b)[seed % 2].url + f"/api/v1/sites/{SITE}/tickets", person(seed))[0] == 201
    stop = threading.Event()

    def station(app: App, number: int):
        """Call, then mark sampled or no-show, as fast as the process answers, until told to stop."""
        while not stop.is_set():
            try:
                status, body = _request("POST", app.url + f"/api/v1/sites/{SITE}/stations/{number}/call",
                                        headers=ADMIN)
                if status == 200 and body.get("ticket"):
                    move = "sampled" if int(body["ticket"]["number"][1:]) % 5 else "no-show"
                    _request("POST", app.url + f"/api/v1/tickets/{body['ticket']['id']}/{move}", headers=ADMIN)
                elif status == 200:
                    return  # nobody left to call
            except (OSError, ValueError, http.client.HTTPException):
                time.sleep(0.05)  # the process is down (or died mid-answer): the station waits for it

    storm = [threading.Thread(target=station, args=(app, n))
             for app, numbers in ((a, (1, 2)), (b, (3, 4))) for n in numbers]
    client = connect(server.url)
    for t in storm:
        t.start()
    try:
        deadline = time.monotonic() + 30
        while client.zcard(SiteKeys(SITE).waiting) > 160 and time.monotonic() < deadline:
            time.sleep(0.01)
        a.kill()  # mid-storm: process a had calls and marks in flight
        assert _inconsistencies(client) == []
        a.start()
        time.sleep(1.0)
        stop.set()
        for t in storm:
            t.join(30)
        assert _inconsistencies(client) == []
        tickets = list(client.scan_iter(match=SiteKeys(SITE).ticket_prefix + "*", count=1000))
        assert len(tickets) == 240  # no ticket lost, none made twice
    finally:
        stop.set()
        for t in storm:
            t.join(30)
        client.close()
