"""Redis away: frozen (SIGSTOP) or killed (kill -9). Every request still gets an answer within
the deadline, a JSON 503 with Retry-After on the API and a page that retries by itself,
never an HTML 500; a killed embedded Redis is started again from its AOF, nothing lost."""

import os
import signal
import subprocess
import time

import pytest
import redis

from natqueue.store.embedded import EmbeddedRedis
from natqueue.web import close_app, create_app
from tests.conftest import ADMIN_TOKEN, person
from tests.processes import alive, exchange, start_app, stop, wait_until_serving
from tests.processes import free_port as _free_port

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
TIMEOUT_S = 1


@pytest.fixture
def frozen(tmp_path):
    """An app on its own Redis, and a way to freeze that Redis; thawed and stopped after the test."""
    server = EmbeddedRedis(str(tmp_path / "redis")).start()
    app = create_app({"TESTING": True, "REDIS_URL": server.url, "NATQ_MESSAGE_QUEUE": "off",
                      "NATQ_ADMIN_TOKEN": ADMIN_TOKEN, "NATQ_DATA_DIR": str(tmp_path / "app"),
                      "NATQ_REDIS_TIMEOUT_S": TIMEOUT_S})
    pid = server.process.pid
    try:
        yield app, lambda: os.kill(pid, signal.SIGSTOP), lambda: os.kill(pid, signal.SIGCONT)
    finally:
        os.kill(pid, signal.SIGCONT)
        close_app(app)
        server.stop()


def _timed(call):
    start = time.monotonic()
    response = call()
    return response, time.monotonic() - start


def _unavailable(response) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["code"] == "unavailable"
    assert int(response.headers["Retry-After"]) > 0


def test_a_frozen_redis_gets_a_json_503_within_the_deadline(frozen):
    app, freeze, thaw = frozen
    client = app.test_client()
    assert client.post("/api/v1/sites", json={"id": "frost", "name": "冻结", "stations": 1},
                       headers=ADMIN).status_code == 201
    assert client.post("/api/v1/sites/frost/tickets", json=person(1)).status_code == 201
    freeze()
    # A join, a read of a site not seen before by this process, a staff sign-in, a call.
    for method, url, body in [("POST", "/api/v1/sites/frost/tickets", person(2)),
                              ("GET", "/api/v1/sites/frost/board", None),
                              ("POST", "/api/v1/auth/staff", {"site_id": "frost", "code": "12345678"}),
                              ("POST", "/api/v1/sites/frost/stations/1/call", None)]:
        response, took = _timed(lambda m=method, u=url, b=body: client.open(
            u, method=m, json=b, headers={**ADMIN, "Idempotency-Key": "join-2"}))
        _unavailable(response)
        assert took < 2 * TIMEOUT_S + 1.5, (url, took)  # not the 25 s a frozen Redis once cost
    thaw()
    again = client.post("/api/v1/sites/frost/tickets", json=person(2), headers={"Idempotency-Key": "join-2"})
    assert again.status_code == 201  # the client's retry with its key: queued once
    assert client.get("/api/v1/sites/frost").get_json()["waiting"] == 2


@pytest.mark.parametrize(("lang", "words"), [("zh_CN", "繁忙"), ("en", "busy")])
def test_a_page_says_the_site_is_busy_in_its_language_and_retries_by_itself(frozen, lang, words):
    app, freeze, thaw = frozen
    client = app.test_client()
    client.post("/api/v1/sites", json={"id": "frost", "name": "冻结", "stations": 1}, headers=ADMIN)
    freeze()
    response, took = _timed(lambda: client.get(f"/s/frost?lang={lang}"))
    assert response.status_code == 503 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert words in page and 'http-equiv="refresh"' in page and "Traceback" not in page
    assert int(response.headers["Retry-After"]) > 0
    assert took < 2 * TIMEOUT_S + 1.5


def test_a_socket_event_answers_unavailable_while_redis_is_frozen(frozen):
    from natqueue.web import socketio

    app, freeze, thaw = frozen
    app.test_client().post("/api/v1/sites", json={"id": "frost", "name": "冻结", "stations": 1}, headers=ADMIN)
    board = socketio.test_client(app)
    try:
        freeze()
        ack = board.emit("watch_site", {"site_id": "frost"}, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == "unavailable"
    finally:
        thaw()
        board.disconnect()


def test_the_embedded_redis_is_started_again_when_it_dies(tmp_path):
    """Killed with nothing asking for it: the watchdog notices and restarts it from its AOF."""
    server = EmbeddedRedis(str(tmp_path)).start()
    first = server.process.pid
    restarted = []
    try:
        server.watch(period_s=0.1, on_restart=restarted.append)
        client = redis.Redis.from_url(server.url)
        client.set("kept", "yes")
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while not restarted and time.monotonic() < deadline:
            time.sleep(0.05)
        assert restarted and server.process.pid != first and not alive(first)
        assert client.get("kept") == b"yes"  # from the AOF
        client.close()
    finally:
        server.stop()
    assert not alive(first) and server.process is None
    assert all(not alive(pid) for pid in restarted)


def _http(method, url, body=None, headers=None):
    return exchange(method, url, body, headers, timeout=15)


def test_a_killed_embedded_redis_comes_back_under_a_running_app(tmp_path):
    """kill -9 of the embedded redis-server: a JSON 503, then service again with every ticket,
    a line in the log, and no redis-server left behind when the app stops."""
    port = _free_port()
    env = {**os.environ, "NATQ_DATA_DIR": str(tmp_path), "PORT": str(port), "NATQ_ADMIN_TOKEN": ADMIN_TOKEN,
           "NATQ_REDIS_TIMEOUT_S": str(TIMEOUT_S),
           "NATQ_REDIS_WATCHDOG_S": "60"}  # only the failed request wakes the watchdog: the 503 is certain
    env.pop("REDIS_URL", None)
    log = open(tmp_path / "app.log", "w+")
    app = start_app(env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/api/v1"
    pids = []
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", proc=app)
        assert _http("POST", base + "/sites", {"id": "revive", "name": "复活", "stations": 1}, ADMIN)[0] == 201
        tickets = [_http("POST", base + "/sites/revive/tickets", person(s))[2] for s in range(5)]
        pids.append(int((tmp_path / "redis.pid").read_text()))
        os.kill(pids[0], signal.SIGKILL)
        while alive(pids[0]):
            time.sleep(0.02)
        status, headers, body = _http("POST", base + "/sites/revive/tickets", person(6))
        assert (status, body["error"]["code"]) == (503, "unavailable") and int(headers["Retry-After"]) > 0
        deadline = time.monotonic() + 15
        while (status := _http("GET", base + "/sites/revive")[0]) != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert status == 200
        for t in tickets:
            status, _, found = _http("GET", f"{base}/tickets/{t['id']}", headers={"X-Ticket-Token": t["token"]})
            assert (status, found["number"], found["status"]) == (200, t["number"], "waiting")
        assert _http("POST", base + "/sites/revive/tickets", person(6))[0] == 201
        pids.append(int((tmp_path / "redis.pid").read_text()))
        assert pids[1] != pids[0] and alive(pids[1])
    finally:
        stop(app, 15)
    log.seek(0)
    text = log.read()
    log.close()
    assert "restarted" in text and "Traceback" not in text, text[-2000:]
    assert not any(alive(pid) for pid in pids)
