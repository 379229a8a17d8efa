"""Redis failing over under natqueue, on loopback: a real primary, a replica and three sentinels.

The app is started with a ``redis+sentinel://`` URL, residents join while the primary is killed
(kill -9), and the app must follow the promoted replica without a restart. Replication is
asynchronous, so a join acknowledged in the instant before the kill may not have reached the
replica: the loss is bounded by the replica's lag (on loopback, a few milliseconds), and the
test states it rather than hoping it is zero.
"""

import os
import signal
import subprocess
import threading
import time

import pytest
import redis

from natqueue.keys import SiteKeys
from natqueue.store.connect import connect
from natqueue.store.embedded import redis_server_executable, stop_process
from tests.conftest import UNLIMITED_JOINS_ENV, person
from tests.processes import free_port as _free_port
from tests.processes import request as _request
from tests.processes import start_app, stop, wait_until_serving

TOKEN = "failover-organizer"
SERVICE = "natq"


def _start(args: list[str], cwd) -> subprocess.Popen:
    return subprocess.Popen([redis_server_executable(), *args], cwd=str(cwd),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_for(check, what: str, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            found = check()
            if found:
                return found
        except (redis.RedisError, OSError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def sentinel_cluster(tmp_path):
    """A primary, a replica and three sentinels on free loopback ports; everything stopped after."""
    procs = []
    ports = {"primary": _free_port(), "replica": _free_port()}
    try:
        for role in ("primary", "replica"):
            folder = tmp_path / role
            folder.mkdir()
            args = ["--port", str(ports[role]), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            if role == "replica":
                args += ["--replicaof", "127.0.0.1", str(ports["primary"])]
            procs.append(_start(args, folder))
        replica = redis.Redis(port=ports["replica"], decode_responses=True)
        _wait_for(lambda: replica.info("replication").get("master_link_status") == "up", "the replica's link")
        sentinel_ports = []
        for i in range(3):
            port = _free_port()
            conf = tmp_path / f"sentinel{i}.conf"
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\n"
                f"sentinel monitor {SERVICE} 127.0.0.1 {ports['primary']} 2\n"
                f"sentinel down-after-milliseconds {SERVICE} 1000\n"
                f"sentinel failover-timeout {SERVICE} 5000\n"
                f"sentinel parallel-syncs {SERVICE} 1\n"
            )
            procs.append(_start([str(conf), "--sentinel"], tmp_path))
            sentinel_ports.append(port)
        for port in sentinel_ports:
            probe = redis.Redis(port=port, decode_responses=True)
            _wait_for(lambda p=probe: int(p.sentinel_master(SERVICE)["num-other-sentinels"]) == 2,
                      "the sentinels to see each other")
        hosts = ",".join(f"127.0.0.1:{p}" for p in sentinel_ports)
        yield {"url": f"redis+sentinel://{hosts}/0/{SERVICE}", "primary": procs[0], "ports": ports,
               "sentinels": sentinel_ports}
    finally:
        for proc in procs:
            stop_process(proc)


@pytest.fixture
def app_on_sentinel(sentinel_cluster, tmp_path):
    port = _free_port()
    env = {**os.environ, "REDIS_URL": sentinel_cluster["url"], "NATQ_ADMIN_TOKEN": TOKEN,
           "NATQ_DATA_DIR": str(tmp_path / "app"), "PORT": str(port), **UNLIMITED_JOINS_ENV}
    env.pop("NATQ_MESSAGE_QUEUE", None)
    proc = start_app(env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, proc=proc)
        yield url
    finally:
        stop(proc)


def test_the_app_follows_a_failover_and_keeps_what_it_acknowledged(sentinel_cluster, app_on_sentinel):
    url = app_on_sentinel
    admin = {"Authorization": f"Bearer {TOKEN}"}
    assert _request("POST", url + "/api/v1/sites", {"id": "fo", "name": "切换", "stations": 2}, admin)[0] == 201
    acknowledged: dict[str, float] = {}  # ticket id -> when the app answered 201
    refused = []
    stop = threading.Event()

    def residents(offset: int):
        seed = offset
        while not stop.is_set() and seed < offset + 400:
            # A phone retries a failed join with the same key, as the resident page does.
            key = f"fo-{seed}"
            for _ in range(40):
                try:
                    status, body = _request("POST", url + "/api/v1/sites/fo/tickets", person(seed),
                                            {"Idempotency-Key": key})
                except (OSError, ValueError):  # no answer, or one that is not JSON
                    status, body = -1, {}
                if status == 201:
                    acknowledged[body["id"]] = time.monotonic()
                    break
                refused.append(status)
                time.sleep(0.25)
            seed += 1

    workers = [threading.Thread(target=residents, args=(k * 1000,)) for k in range(2)]
    for w in workers:
        w.start()
    _wait_for(lambda: len(acknowledged) >= 40, "joins before the kill")
    killed_at = time.monotonic()
    sentinel_cluster["primary"].send_signal(signal.SIGKILL)
    new_port = sentinel_cluster["ports"]["replica"]
    probe = redis.Redis(port=sentinel_cluster["sentinels"][0], decode_responses=True)
    _wait_for(lambda: int(probe.sentinel_get_master_addr_by_name(SERVICE)[1]) == new_port,
              "the replica's promotion", 30)
    promoted_at = time.monotonic()
    # The app goes on without a restart: joins are acknowledged again after the switch.
    _wait_for(lambda: any(t > promoted_at for t in acknowledged.values()), "a join after the switch", 30)
    stop.set()
    for w in workers:
        w.join(60)

    stored = connect(sentinel_cluster["url"])
    try:
        keys = SiteKeys("fo")
        lost = [tid for tid in acknowledged if not stored.exists(keys.ticket(tid))]
        late = [tid for tid in lost if acknowledged[tid] < killed_at - 1.0]
        assert not late, f"joins acknowledged over a second before the kill were lost: {late}"
        waiting = stored.zcard(keys.waiting)
    finally:
        stored.close()
    assert waiting == len(acknowledged) - len(lost)
    assert len(lost) <= 5, f"{len(lost)} acknowledged joins lost in the failover (asynchronous replication)"
    # While the primary is away the app answers a JSON 503 (with Retry-After), never a page or a hang.
    assert set(refused) <= {503}, f"answers during the switch: {sorted(set(refused))}"
