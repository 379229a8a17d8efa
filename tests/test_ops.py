"""What an operator watches: /healthz, /readyz (503 within its deadline while Redis is frozen or
gone) and /metrics (organizer or scrape token; the district's sites read from Redis whichever
process answers, at a cost that does not grow with the queue)."""

import os
import signal
import time
import urllib.request

import pytest
import socketio
from prometheus_client.parser import text_string_to_metric_families

from natqueue.keys import SiteKeys
from natqueue.store.embedded import EmbeddedRedis
from natqueue.web import close_app, create_app
from tests.conftest import ADMIN_TOKEN, UNLIMITED_JOINS, person
from tests.flow_helpers import call, join_as, sample
from tests.processes import request
from tests.test_multiprocess import TOKEN as MULTI_TOKEN
from tests.test_multiprocess import two_processes  # noqa: F401  (a fixture)

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
SCRAPE_TOKEN = "prometheus-scrape-token"


def scrape(client, headers=ADMIN) -> dict:
    """``{(sample name, frozenset of labels): value}`` of one /metrics answer."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/plain"
    found = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for s in family.samples:
            found[(s.name, frozenset(s.labels.items()))] = s.value
    return found


def site_value(found: dict, name: str, site: str, **labels) -> float:
    return found[(name, frozenset({"site": site, **labels}.items()))]


def process_values(found: dict, name: str) -> list[float]:
    return [v for (n, labels), v in found.items() if n == name and dict(labels).get("process")]


def make_site(client, site_id: str, stations: int = 2) -> dict:
    response = client.post("/api/v1/sites", json={"id": site_id, "name": site_id, "stations": stations,
                                                  "require_tube": False}, headers=ADMIN)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# --- Redis of its own, to freeze or stop ----------------------------------------------------------

@pytest.fixture
def own_redis(tmp_path):
    """An app on a Redis of its own, with a long request timeout and a short readiness deadline;
    ``freeze`` and ``stop`` that Redis. Thawed and stopped after the test."""
    server = EmbeddedRedis(str(tmp_path / "redis")).start()
    app = create_app({"TESTING": True, "REDIS_URL": server.url, "NATQ_MESSAGE_QUEUE": "off",
                      "NATQ_ADMIN_TOKEN": ADMIN_TOKEN, "NATQ_DATA_DIR": str(tmp_path / "app"),
                      "NATQ_REDIS_TIMEOUT_S": 20, "NATQ_OPS_TIMEOUT_S": 0.3})
    pid = server.process.pid
    try:
        yield app, (lambda: os.kill(pid, signal.SIGSTOP)), server.stop
    finally:
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass
        close_app(app)
        server.stop()


def test_healthz_says_the_process_is_up_without_asking_redis(own_redis):
    app, freeze, _stop = own_redis
    client = app.test_client()
    freeze()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"
    assert response.get_json()["process"].endswith(f":{os.getpid()}")


def test_readyz_is_ready_while_redis_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ready"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("away", ["frozen", "stopped"])
def test_readyz_answers_503_at_its_own_deadline_when_redis_is_away(own_redis, away):
    """Not after the 20 s every resident's request would wait (NATQ_REDIS_TIMEOUT_S): a load balancer
    asking every second hears it at once."""
    app, freeze, stop = own_redis
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    (freeze if away == "frozen" else stop)()
    started = time.monotonic()
    response = client.get("/readyz")
    took = time.monotonic() - started
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "redis_unavailable" and error["deadline_ms"] == 300
    assert int(response.headers["Retry-After"]) > 0
    assert took < 5, took  # the deadline is 0.3 s; the app's own Redis timeout is 20 s


def test_a_scrape_while_redis_is_frozen_still_gives_the_process_series(own_redis):
    app, freeze, _stop = own_redis
    client = app.test_client()
    make_site(client, "frost")
    assert scrape(client)[("natqueue_redis_up", frozenset())] == 1
    freeze()
    found = scrape(client)
    assert found[("natqueue_redis_up", frozenset())] == 0
    assert not [k for k in found if k[0] == "natqueue_queue_length"]  # no stale site figures
    assert process_values(found, "natqueue_socketio_clients") == [0]


# --- who may read /metrics --------------------------------------------------------------------------

def test_metrics_need_the_organizer_or_the_scrape_token(make_app):
    app = make_app(NATQ_METRICS_TOKEN=SCRAPE_TOKEN)
    client = app.test_client()
    staff_code = make_site(client, "jinyu")["staff_code"]
    nobody = client.get("/metrics")
    assert nobody.status_code == 401 and nobody.get_json()["error"]["code"] == "unauthorized"
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 403 and wrong.get_json()["error"]["code"] == "forbidden"
    token = client.post("/api/v1/auth/staff", json={"site_id": "jinyu", "code": staff_code}).get_json()["token"]
    assert client.get("/metrics", headers={"Authorization": f"Bearer {token}"}).status_code == 403
    assert scrape(client, ADMIN)[("natqueue_sites", frozenset())] == 1
    scraper = {"Authorization": f"Bearer {SCRAPE_TOKEN}"}
    assert scrape(client, scraper)[("natqueue_sites", frozenset())] == 1
    # The scrape token opens /metrics and nothing else.
    assert client.get("/api/v1/sites/jinyu/stats", headers=scraper).status_code == 403


def test_without_a_scrape_token_configured_no_bearer_but_the_organizers_reads_metrics(client, site):
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer None"}).status_code == 403


# --- what it shows ---------------------------------------------------------------------------------

def test_metrics_show_each_sites_joins_calls_samples_queue_and_waits(client, site, staff):
    make_site(client, "other", stations=1)
    for seed in range(4):
        join_as(client, site["id"], seed)
    join_as(client, "other", 10)
    first = call(client, site["id"], 1, staff)
    call(client, site["id"], 2, staff)
    sample(client, first["id"], staff)

    found = scrape(client)
    s = site["id"]
    assert site_value(found, "natqueue_joins_total", s) == 4
    assert site_value(found, "natqueue_calls_total", s) == 2
    assert site_value(found, "natqueue_samples_total", s) == 1
    assert site_value(found, "natqueue_queue_length", s) == 2
    assert site_value(found, "natqueue_longest_wait_seconds", s) >= 0
    # Both waits were under a minute: in every bucket, and counted once each.
    assert site_value(found, "natqueue_wait_seconds_bucket", s, le="60.0") == 2
    assert site_value(found, "natqueue_wait_seconds_bucket", s, le="+Inf") == 2
    assert site_value(found, "natqueue_wait_seconds_count", s) == 2
    assert site_value(found, "natqueue_wait_seconds_sum", s) < 120

    assert site_value(found, "natqueue_joins_total", "other") == 1
    assert site_value(found, "natqueue_calls_total", "other") == 0
    assert site_value(found, "natqueue_samples_total", "other") == 0
    assert site_value(found, "natqueue_queue_length", "other") == 1
    assert site_value(found, "natqueue_wait_seconds_count", "other") == 0
    assert found[("natqueue_sites", frozenset())] == 2


def test_an_empty_queue_has_no_longest_wait(client, site):
    found = scrape(client)
    assert site_value(found, "natqueue_queue_length", site["id"]) == 0
    assert site_value(found, "natqueue_longest_wait_seconds", site["id"]) == 0


def test_any_process_answers_for_the_whole_district(make_app):
    """Two app processes on one Redis: what residents did through one, the other's scrape shows."""
    serving, scraped = make_app(**UNLIMITED_JOINS), make_app()
    front = serving.test_client()
    make_site(front, "jinyu")
    for seed in range(3):
        join_as(front, "jinyu", seed)
    found = scrape(scraped.test_client())
    assert site_value(found, "natqueue_joins_total", "jinyu") == 3
    assert site_value(found, "natqueue_queue_length", "jinyu") == 3


def test_process_series_say_which_process_and_count_its_sockets_and_emit_lag(client, site, socket_client):
    before = scrape(client)
    phone = socket_client()
    assert phone.emit("watch_site", {"site_id": site["id"]}, callback=True)["ok"]
    join_as(client, site["id"], 1)
    found = scrape(client)
    label = f":{os.getpid()}"
    assert [dict(k[1])["process"] for k in found if k[0] == "natqueue_socketio_clients"][0].endswith(label)
    assert process_values(found, "natqueue_socketio_clients") == [1]
    def here(values):
        return [v for (n, labels), v in values.items()
                if n == "natqueue_emit_lag_seconds_count" and dict(labels).get("via") == "here"]

    assert here(found) == [(here(before) or [0])[0] + 1]
    assert process_values(found, "process_resident_memory_bytes")[0] > 0


def test_a_scrape_costs_the_same_for_5_and_5000_waiting(client, site, redis_client):
    """The figures come from what the scripts keep: no command per waiting ticket."""
    def commands():
        return sum(int(v.get("calls", 0)) for v in redis_client.info("commandstats").values())

    for seed in range(5):
        join_as(client, site["id"], seed)
    scrape(client)  # the script is loaded once
    before = commands()
    scrape(client)
    small = commands() - before
    pipe = redis_client.pipeline(transaction=False)
    keys = SiteKeys(site["id"])
    for k in range(5, 5000):
        pipe.zadd(keys.waiting, {f"{site['id']}.x{k}": 10_000 + k})
    pipe.execute()
    before = commands()
    found = scrape(client)
    assert site_value(found, "natqueue_queue_length", site["id"]) == 5000
    assert commands() - before == small


def test_a_change_heard_through_the_message_queue_counts_its_emit_lag_there(two_processes):  # noqa: F811
    """A join on one process, a phone on the other: the other process notes the lag of what it
    broadcast for a change made elsewhere (``via="queue"``)."""
    a, b = two_processes
    admin = {"Authorization": f"Bearer {MULTI_TOKEN}"}
    assert request("POST", a + "/api/v1/sites", {"id": "multi", "name": "多进程", "stations": 1}, admin)[0] == 201
    with socketio.SimpleClient() as phone:
        phone.connect(b, transports=["websocket"])
        assert phone.call("watch_site", {"site_id": "multi"}, timeout=10)["ok"]
        assert request("POST", a + "/api/v1/sites/multi/tickets", person(1))[0] == 201
        name = None
        while name != "site_event":
            name, _data = phone.receive(timeout=10)
        with urllib.request.urlopen(urllib.request.Request(b + "/metrics", headers=admin), timeout=10) as res:
            text = res.read().decode()
    found = {(s.name, frozenset(s.labels.items())): s.value
             for family in text_string_to_metric_families(text) for s in family.samples}
    heard = [v for (n, labels), v in found.items()
             if n == "natqueue_emit_lag_seconds_count" and dict(labels).get("via") == "queue"]
    assert heard == [1]
    assert process_values(found, "natqueue_socketio_clients") == [1]
