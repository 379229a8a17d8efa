"""Many hands at once: two stations calling together, taps repeated, retries."""

import threading

from natqueue.sites import registry
from natqueue.store.backend import Backend
from natqueue.store.connect import connect
from natqueue.tickets import joining, moves, views
from tests.conftest import person


def _fill(backend, site_id, count):
    for seed in range(count):
        p = person(seed)
        joining.join(backend, site_id, p["name"], p["phone"], p["id_number"])


def test_two_stations_calling_500_times_get_500_distinct_tickets(redis_server, backend):
    registry.create_site(backend, "busy", "忙碌采样点", 2)
    _fill(backend, "busy", 500)
    results = {1: [], 2: []}
    barrier = threading.Barrier(2)

    def station(number):
        own = Backend(connect(redis_server.url))  # each station its own connection, as two processes would
        barrier.wait()
        for _ in range(250):
            ticket, _event = moves.call_next(own, "busy", number)
            results[number].append(ticket["id"])
        own.close()

    threads = [threading.Thread(target=station, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    called = results[1] + results[2]
    assert len(called) == 500 and len(set(called)) == 500
    assert registry.get_site(backend, "busy")["waiting"] == 0
    # Each station got its own tickets, in queue order.
    for number in (1, 2):
        seqs = [views.get_ticket(backend, tid)["score"] for tid in results[number]]
        assert seqs == sorted(seqs)
        assert all(views.get_ticket(backend, tid)["station"] == number for tid in results[number][:5])


def test_concurrent_joins_of_one_person_make_one_ticket(redis_server, backend):
    registry.create_site(backend, "taps", "连点", 1)
    outcomes = []
    barrier = threading.Barrier(8)
    p = person(42)

    def tap():
        own = Backend(connect(redis_server.url))
        barrier.wait()
        try:
            outcomes.append(joining.join(own, "taps", p["name"], p["phone"], p["id_number"])[0]["id"])
        except Exception as exc:  # the losers are told the number is already queued
            outcomes.append(getattr(exc, "code", repr(exc)))
        own.close()

    threads = [threading.Thread(target=tap) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [o for o in outcomes if o.startswith("taps.")]
    assert len(ids) == 1 and outcomes.count("already_queued") == 7
    assert registry.get_site(backend, "taps")["waiting"] == 1


def test_retried_join_with_its_key_replays_across_connections(redis_server, backend):
    registry.create_site(backend, "retry", "重试", 1)
    p = person(5)
    first, event = joining.join(backend, "retry", p["name"], p["phone"], p["id_number"], request_id="r-1")
    other = Backend(connect(redis_server.url))
    again, replay_event = joining.join(other, "retry", p["name"], p["phone"], p["id_number"], request_id="r-1")
    other.close()
    assert again["id"] == first["id"] and again["token"] == first["token"]
    assert event is not None and replay_event is None  # a replay broadcasts nothing new


def test_one_process_many_requests_share_round_trips_and_still_get_distinct_tickets(backend):
    """Calls from many threads of one process go to Redis in batches; each still gets its own ticket."""
    registry.create_site(backend, "batch", "合批", 4)
    _fill(backend, "batch", 400)
    called = []
    barrier = threading.Barrier(8)

    def station(number):
        barrier.wait()
        for _ in range(50):
            ticket, _event = moves.call_next(backend, "batch", number % 4 + 1)
            called.append(ticket["id"])

    threads = [threading.Thread(target=station, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(called) == 400 and len(set(called)) == 400
    assert registry.get_site(backend, "batch")["waiting"] == 0


def test_a_call_survives_redis_forgetting_its_scripts_and_dropping_the_connection(redis_client, backend):
    registry.create_site(backend, "restart", "重启", 1)
    _fill(backend, "restart", 3)
    first, _ = moves.call_next(backend, "restart", 1)
    redis_client.script_flush()  # as after a Redis restart
    second, _ = moves.call_next(backend, "restart", 1)
    redis_client.client_kill_filter(skipme=True, _type="normal")  # every other connection cut
    third, _ = moves.call_next(backend, "restart", 1)
    assert [first["number"], second["number"], third["number"]] == ["A001", "A002", "A003"]
