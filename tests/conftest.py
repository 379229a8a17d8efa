"""Fixtures: a real embedded Redis per test session, flushed around every test."""

import os
import random

import pytest

from natqueue.store.backend import Backend
from natqueue.store.connect import connect
from natqueue.store.embedded import EmbeddedRedis
from natqueue.web import close_app, create_app, socketio

ADMIN_TOKEN = "test-organizer-token"
#: The queue's own tests join hundreds of residents from one loopback address: they run without the
#: per-address and per-site join limits, which tests/test_floods.py checks with their defaults.
UNLIMITED_JOINS = {"NATQ_JOINS_PER_ADDRESS": 0, "NATQ_JOINS_PER_SITE": 0}
UNLIMITED_JOINS_ENV = {name: str(value) for name, value in UNLIMITED_JOINS.items()}
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def make_id_number(seed: int, birth: str = "19800101", area: str = "110105") -> str:
    """A resident ID with a correct GB 11643 check character; distinct per seed (up to 999)."""
    body = f"{area}{birth}{seed % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def person(seed: int) -> dict:
    return {
        "name": f"居民{seed}",
        "phone": f"138{seed:08d}",
        "id_number": make_id_number(seed, birth=f"19{50 + seed // 1000 % 50:02d}0101"),
    }


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = EmbeddedRedis(str(tmp_path_factory.mktemp("redis"))).start()
    yield server
    server.stop()


@pytest.fixture
def redis_client(redis_server):
    client = connect(redis_server.url)
    client.flushall()
    yield client
    client.flushall()
    client.close()
    client.connection_pool.disconnect()


@pytest.fixture
def backend(redis_client):
    return Backend(redis_client)


@pytest.fixture
def app(redis_server, redis_client, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "REDIS_URL": redis_server.url,
            "NATQ_MESSAGE_QUEUE": "off",  # Flask-SocketIO's test client refuses a message queue
            "NATQ_ADMIN_TOKEN": ADMIN_TOKEN,
            "NATQ_DATA_DIR": str(tmp_path),
            "NATQ_PUBLIC_URL": "https://natq.example.cn",
            "NATQ_DASH_COALESCE_MS": 0,  # dashboard pushes at once: the test client runs no event loop
            "NATQ_PAGE_CACHE_MS": 0,  # pages show a change at once (tests/test_public_list.py: shared)
            **UNLIMITED_JOINS,
        }
    )
    yield app
    close_app(app)


@pytest.fixture
def make_app(redis_server, redis_client, tmp_path):
    """``make_app(**settings)``: an app like ``app`` with settings of its own (behind a proxy, ...)."""
    made = []

    def _make(**settings):
        made.append(create_app({
            "TESTING": True, "REDIS_URL": redis_server.url, "NATQ_MESSAGE_QUEUE": "off",
            "NATQ_ADMIN_TOKEN": ADMIN_TOKEN, "NATQ_DATA_DIR": str(tmp_path), "NATQ_DASH_COALESCE_MS": 0,
            "NATQ_PAGE_CACHE_MS": 0,
            **settings,
        }))
        return made[-1]

    yield _make
    for app in made:
        close_app(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def admin():
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def site(client, admin):
    """A two-station site; its staff code is in ``site['staff_code']``.

    It samples without tubes unless a test opens one (``require_tube`` off): most tests are
    about the queue, and a new site's default (a tube for every sample) is tested on its own."""
    response = client.post("/api/v1/sites", json={"id": "jinyu-huafu", "name": "金域华府", "address": "八里岔社区",
                                                  "stations": 2, "require_tube": False}, headers=admin)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def staff(client, site):
    response = client.post("/api/v1/auth/staff", json={"site_id": site["id"], "code": site["staff_code"]})
    assert response.status_code == 200
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


@pytest.fixture
def join(client, site):
    """Join ``site`` as person(seed); returns the 201 body."""

    def _join(seed: int, site_id: str | None = None, **headers):
        response = client.post(f"/api/v1/sites/{site_id or site['id']}/tickets", json=person(seed),
                               headers=headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return _join


@pytest.fixture
def socket_client(app):
    clients = []

    def _make(**kwargs):
        c = socketio.test_client(app, **kwargs)
        clients.append(c)
        return c

    yield _make
    for c in clients:
        if c.is_connected():
            c.disconnect()


@pytest.fixture
def rng():
    return random.Random(int(os.environ.get("NATQ_TEST_SEED", "20220403")))
