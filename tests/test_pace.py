"""Estimated waits follow the measured sampling pace, against a fixed clock (nobody sleeps)."""

from natqueue.sites import registry, stations
from natqueue.store.backend import Backend
from natqueue.tickets import joining, moves, views
from tests.conftest import person

MINUTE = 60_000


class Clock:
    def __init__(self, now_ms):
        self.now = now_ms

    def __call__(self):
        return self.now


def _queue(backend, site_id, seeds):
    for seed in seeds:
        p = person(seed)
        joining.join(backend, site_id, p["name"], p["phone"], p["id_number"])


def test_default_pace_before_any_data(redis_client):
    backend = Backend(redis_client, clock=Clock(1_700_000_000_000))
    registry.create_site(backend, "new", "新开", 3, require_tube=False)
    _queue(backend, "new", range(6))
    # Three lanes at 30 s a person: 10 s per person; six waiting -> one minute for a newcomer.
    assert registry.get_site(backend, "new")["eta_seconds"] == 60


def test_measured_pace_replaces_the_default(redis_client):
    clock = Clock(1_700_000_000_000)
    backend = Backend(redis_client, clock=clock)
    registry.create_site(backend, "slow", "慢站", 1, require_tube=False)
    _queue(backend, "slow", range(20))
    for _ in range(6):  # one sample a minute: much slower than the default
        ticket, _ = moves.call_next(backend, "slow", 1)
        clock.now += MINUTE
        moves.transition(backend, ticket["id"], "sampled")
    site = registry.get_site(backend, "slow")
    # 6 samples between the first (t0+1 min) and now (t0+6 min): 5 minutes / 6 = 50 s per person.
    assert site["pace_seconds"] == 50.0
    assert site["eta_seconds"] == 14 * 50
    waiting = views.get_ticket(backend, moves.call_next(backend, "slow", 1)[0]["id"])
    assert waiting["status"] == "called"


def test_pace_forgets_samples_older_than_the_window(redis_client):
    clock = Clock(1_700_000_000_000)
    backend = Backend(redis_client, clock=clock)
    registry.create_site(backend, "old", "旧数据", 1, require_tube=False)
    _queue(backend, "old", range(10))
    for _ in range(6):
        ticket, _ = moves.call_next(backend, "old", 1)
        clock.now += MINUTE
        moves.transition(backend, ticket["id"], "sampled")
    clock.now += 20 * MINUTE  # a long break: the 15-minute window is empty again
    assert registry.get_site(backend, "old")["pace_seconds"] == 30.0


def test_pausing_a_station_slows_the_estimate(redis_client):
    backend = Backend(redis_client, clock=Clock(1_700_000_000_000))
    registry.create_site(backend, "two", "两台", 2, require_tube=False)
    _queue(backend, "two", range(4))
    assert registry.get_site(backend, "two")["eta_seconds"] == 60  # 4 x 15 s
    stations.set_station_status(backend, "two", 2, "paused")
    assert registry.get_site(backend, "two")["eta_seconds"] == 120  # 4 x 30 s
    stations.set_station_status(backend, "two", 1, "closed")
    assert registry.get_site(backend, "two")["eta_seconds"] is None


def test_phone_arithmetic_matches_the_server(redis_client):
    """The phone computes ahead x pace from events; the server's own answer must agree."""
    backend = Backend(redis_client, clock=Clock(1_700_000_000_000))
    registry.create_site(backend, "same", "一致", 2, require_tube=False)
    _queue(backend, "same", range(5))
    last = joining.join(backend, "same", **person(99))[0]
    assert last["eta_seconds"] == round(last["ahead"] * last["pace_seconds"])
