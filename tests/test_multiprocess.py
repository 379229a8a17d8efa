"""Several app processes on one Redis, as in production: a phone connected to one
process hears a call made through another, and two processes calling at once
never call the same person."""

import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import socketio

from natqueue.store.embedded import EmbeddedRedis
from tests.conftest import UNLIMITED_JOINS_ENV, person
from tests.processes import ROOT, free_port, request, start_app, stop, wait_until_serving  # noqa: F401 (ROOT: imported from here)

TOKEN = "multi-process-organizer"
_free_port, _request = free_port, request  # the names other tests import from here


@pytest.fixture
def two_processes(tmp_path):
    redis_dir = tmp_path / "redis"
    server = EmbeddedRedis(str(redis_dir)).start()
    procs, urls = [], []
    try:
        for i in range(2):
            port = _free_port()
            env = {**os.environ, "REDIS_URL": server.url, "NATQ_ADMIN_TOKEN": TOKEN,
                   "NATQ_DATA_DIR": str(tmp_path / f"app{i}"), "PORT": str(port), **UNLIMITED_JOINS_ENV}
            env.pop("NATQ_MESSAGE_QUEUE", None)  # defaults to REDIS_URL: the shared message queue
            procs.append(start_app(env))
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            wait_until_serving(url, "app process")
        yield urls
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            stop(p)
        server.stop()


def test_phone_on_one_process_hears_a_call_made_on_another(two_processes):
    a, b = two_processes
    admin = {"Authorization": f"Bearer {TOKEN}"}
    status, site = _request("POST", a + "/api/v1/sites", {"id": "multi", "name": "多进程", "stations": 2}, admin)
    assert status == 201
    status, ticket = _request("POST", a + "/api/v1/sites/multi/tickets", person(1))
    assert status == 201
    with socketio.SimpleClient() as phone:
        phone.connect(a, transports=["websocket"])
        assert phone.call("watch_ticket", {"ticket_id": ticket["id"], "token": ticket["token"]}, timeout=10) == {
            "ok": True}
        name, data = phone.receive(timeout=10)
        assert name == "ticket" and data["status"] == "waiting"
        status, called = _request("POST", b + "/api/v1/sites/multi/stations/2/call", headers=admin)
        assert status == 200 and called["ticket"]["id"] == ticket["id"]
        seen = {}
        deadline = time.monotonic() + 10
        while "ticket" not in seen and time.monotonic() < deadline:
            name, data = phone.receive(timeout=10)
            seen[name] = data
        assert seen["ticket"]["status"] == "called" and seen["ticket"]["station"] == 2


def test_two_processes_calling_at_once_never_share_a_person(two_processes):
    a, b = two_processes
    admin = {"Authorization": f"Bearer {TOKEN}"}
    _request("POST", a + "/api/v1/sites", {"id": "race", "name": "并发", "stations": 2}, admin)
    for seed in range(60):
        assert _request("POST", (a, b)[seed % 2] + "/api/v1/sites/race/tickets", person(seed))[0] == 201

    def station(args):
        url, number = args
        return [_request("POST", f"{url}/api/v1/sites/race/stations/{number}/call", headers=admin)[1]["ticket"]["id"]
                for _ in range(30)]

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(station, [(a, 1), (b, 2)])
    assert len(set(first + second)) == 60
    assert _request("GET", b + "/api/v1/sites/race")[1]["waiting"] == 0


def test_a_burst_on_one_process_reaches_a_watcher_on_another_whole(two_processes):
    """Emits travel between processes in batches: none of a burst may be lost or doubled.
    (Concurrent requests emit in the order they finish, not always in event-id order; pages
    keep the highest id they saw, so the order of live events is not part of the contract.)"""
    a, b = two_processes
    admin = {"Authorization": f"Bearer {TOKEN}"}
    _request("POST", a + "/api/v1/sites", {"id": "burst", "name": "突发", "stations": 2}, admin)
    with socketio.SimpleClient() as watcher:
        watcher.connect(b, transports=["websocket"])
        assert watcher.call("watch_site", {"site_id": "burst", "last_id": None}, timeout=10) == {"ok": True}
        with ThreadPoolExecutor(8) as pool:  # concurrent joins on a: several emits per batch
            statuses = list(pool.map(lambda s: _request("POST", a + "/api/v1/sites/burst/tickets", person(s))[0],
                                     range(40)))
        assert statuses == [201] * 40
        ids = []
        deadline = time.monotonic() + 15
        while len(ids) < 40 and time.monotonic() < deadline:
            name, data = watcher.receive(timeout=15)
            if name == "site_event":
                ids.append(data["id"])
            elif name == "site_events":
                ids.extend(e["id"] for e in data["events"])
    assert len(ids) == 40 and len(set(ids)) == 40


def test_a_change_after_a_quiet_spell_still_reaches_the_other_process(two_processes):
    """A quiet district (no change for over five seconds) must not lose the next change: the
    message queue's subscription stays open through silence."""
    a, b = two_processes
    admin = {"Authorization": f"Bearer {TOKEN}"}
    _request("POST", a + "/api/v1/sites", {"id": "quiet", "name": "安静", "stations": 1}, admin)
    seed = iter(range(1000))
    with socketio.SimpleClient() as watcher:
        watcher.connect(b, transports=["websocket"])
        assert watcher.call("watch_site", {"site_id": "quiet", "last_id": None}, timeout=10) == {"ok": True}
        watcher.receive(timeout=10)  # the snapshot

        def heard_within(seconds: float) -> bool:
            try:
                while True:
                    name, _ = watcher.receive(timeout=seconds)
                    if name == "site_event":
                        return True
            except socketio.exceptions.TimeoutError:
                return False

        # Until b hears one: its subscription is live now.
        for _ in range(50):
            last_sent = time.monotonic()
            assert _request("POST", a + "/api/v1/sites/quiet/tickets", person(next(seed)))[0] == 201
            if heard_within(0.3):
                break
        else:
            pytest.fail("b never heard a's joins")
        # Then more than five seconds of silence (redis-py's default socket timeout), and one change.
        time.sleep(max(0.0, last_sent + 5.6 - time.monotonic()))
        assert _request("POST", a + "/api/v1/sites/quiet/tickets", person(next(seed)))[0] == 201
        assert heard_within(4), "the change after a quiet spell never reached the other process"
