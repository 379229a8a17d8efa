"""Tickets live in Redis, not in the app: a restart loses nothing, and leaves no server behind."""

import os
import subprocess
import sys
import time

from natqueue.web import close_app, create_app
from tests.conftest import ADMIN_TOKEN, person
from tests.processes import alive


def _app(data_dir):
    return create_app({"TESTING": True, "REDIS_URL": None, "NATQ_DATA_DIR": str(data_dir),
                       "NATQ_ADMIN_TOKEN": ADMIN_TOKEN, "NATQ_MESSAGE_QUEUE": "off"})


def test_restart_keeps_every_ticket(tmp_path):
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    app = _app(tmp_path)
    pid = app.extensions["natqueue_embedded"].process.pid
    try:
        client = app.test_client()
        site = client.post("/api/v1/sites", json={"id": "keep", "name": "留存", "stations": 1, "require_tube": False},
                           headers=admin)
        code = site.get_json()["staff_code"]
        joined = [client.post("/api/v1/sites/keep/tickets", json=person(s)).get_json() for s in range(30)]
        staff = {"Authorization": "Bearer " + client.post(
            "/api/v1/auth/staff", json={"site_id": "keep", "code": code}).get_json()["token"]}
        client.post("/api/v1/sites/keep/stations/1/call", headers=staff)
        client.post(f"/api/v1/tickets/{joined[0]['id']}/sampled", headers=staff)
    finally:
        close_app(app)
    assert not alive(pid), "the embedded redis-server outlived the app"

    app = _app(tmp_path)
    try:
        client = app.test_client()
        states = [client.get(f"/api/v1/tickets/{t['id']}", headers={"X-Ticket-Token": t["token"]}).get_json()
                  for t in joined]
        assert [s["number"] for s in states] == [t["number"] for t in joined]
        assert states[0]["status"] == "sampled"
        assert [s["ahead"] for s in states[1:]] == list(range(29))
        assert client.get("/api/v1/sites/keep").get_json()["waiting"] == 29
        # Staff signed in before the restart stay signed in: the signing key is kept in Redis.
        assert client.post("/api/v1/sites/keep/stations/1/call", headers=staff).status_code == 200
    finally:
        close_app(app)


def test_killed_app_takes_its_redis_server_with_it(tmp_path):
    """Even a SIGKILLed app must not leave a redis-server running (it dies with its parent)."""
    script = (
        "import sys, time\n"
        "from natqueue.store.embedded import EmbeddedRedis\n"
        f"e = EmbeddedRedis({str(tmp_path)!r}).start()\n"
        "print(e.process.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                             cwd=os.path.dirname(os.path.dirname(__file__)))
    try:
        redis_pid = int(child.stdout.readline())
        assert alive(redis_pid)
        child.kill()
        child.wait()
        for _ in range(100):
            if not alive(redis_pid):
                break
            time.sleep(0.05)
        assert not alive(redis_pid)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
