"""The dashboard across app processes: figures pushed from the process where a change
happened reach a dashboard connected to another, coalesced."""

import time

import socketio

from tests.conftest import person
from tests.test_multiprocess import TOKEN, _request, two_processes  # noqa: F401  (a fixture)


def _stats_until(board, predicate, timeout=10):
    """Every ``stats`` push received until one satisfies ``predicate``."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            name, data = board.receive(timeout=max(0.1, deadline - time.monotonic()))
        except socketio.exceptions.TimeoutError:
            break
        if name == "stats":
            seen.append(data)
            if predicate(data):
                return seen
    raise AssertionError(f"no matching stats push; got {[(s['waiting'], s['throughput']) for s in seen]}")


def test_dashboard_on_one_process_sees_a_sample_made_on_another(two_processes):  # noqa: F811
    a, b = two_processes
    admin = {"Authorization": f"Bearer {TOKEN}"}
    body = {"id": "dash", "name": "看板", "stations": 2, "require_tube": False}
    assert _request("POST", a + "/api/v1/sites", body, admin)[0] == 201
    with socketio.SimpleClient() as refused:
        refused.connect(a, transports=["websocket"])
        assert refused.call("watch_dashboard", {}, timeout=10)["ok"] is False
    with socketio.SimpleClient() as board:
        board.connect(a, transports=["websocket"], headers=admin)
        answer = board.call("watch_dashboard", {"site_ids": ["dash"]}, timeout=10)
        assert answer["ok"] and answer["sites"][0]["throughput"]["today"] == 0
        for seed in range(20):  # a burst on the other process
            assert _request("POST", b + "/api/v1/sites/dash/tickets", person(seed))[0] == 201
        pushes = _stats_until(board, lambda s: s["waiting"] == 20)
        assert len(pushes) < 20, "one push per change: not coalesced"
        _, called = _request("POST", b + "/api/v1/sites/dash/stations/1/call", headers=admin)
        tid = called["ticket"]["id"]
        assert _request("POST", f"{b}/api/v1/tickets/{tid}/sampled", headers=admin)[0] == 200
        pushes = _stats_until(board, lambda s: s["throughput"]["today"] == 1)
        assert pushes[-1]["stations"][0]["per_hour_15"] == 4
