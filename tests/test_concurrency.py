"""Many hands at once: two stations calling together, taps repeated, retries."""

import threading

from natqueue import sites, tickets
from natqueue.backend import Backend
from natqueue.store import connect
from tests.conftest import person


def _fill(backend, site_id, count):
    for seed in range(count):
        p = person(seed)
        tickets.join(backend, site_id, p["name"], p["phone"], p["id_number"])


def test_two_stations_calling_500_times_get_500_distinct_tickets(redis_server, backend):
    sites.create_site(backend, "busy", "忙碌采样点", 2)
    _fill(backend, "busy", 500)
    results = {1: [], 2: []}
    barrier = threading.Barrier(2)

    def station(number):
        own = Backend(connect(redis_server.url))  # each station its own connection, as two processes would
        barrier.wait()
        for _ in range(250):
            ticket, _event = tickets.call_next(own, "busy", number)
            results[number].append(ticket["id"])
        own.redis.close()

    threads = [threading.Thread(target=station, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    called = results[1] + results[2]
    assert len(called) == 500 and len(set(called)) == 500
    assert sites.get_site(backend, "busy")["waiting"] == 0
    # Each station got its own tickets, in queue order.
    for number in (1, 2):
        seqs = [tickets.get_ticket(backend, tid)["score"] for tid in results[number]]
        assert seqs == sorted(seqs)
        assert all(tickets.get_ticket(backend, tid)["station"] == number for tid in results[number][:5])


def test_concurrent_joins_of_one_person_make_one_ticket(redis_server, backend):
    sites.create_site(backend, "taps", "连点", 1)
    outcomes = []
    barrier = threading.Barrier(8)
    p = person(42)

    def tap():
        own = Backend(connect(redis_server.url))
        barrier.wait()
        try:
            outcomes.append(tickets.join(own, "taps", p["name"], p["phone"], p["id_number"])[0]["id"])
        except Exception as exc:  # the losers are told the number is already queued
            outcomes.append(getattr(exc, "code", repr(exc)))
        own.redis.close()

    threads = [threading.Thread(target=tap) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [o for o in outcomes if o.startswith("taps.")]
    assert len(ids) == 1 and outcomes.count("already_queued") == 7
    assert sites.get_site(backend, "taps")["waiting"] == 1


def test_retried_join_with_its_key_replays_across_connections(redis_server, backend):
    sites.create_site(backend, "retry", "重试", 1)
    p = person(5)
    first, event = tickets.join(backend, "retry", p["name"], p["phone"], p["id_number"], request_id="r-1")
    other = Backend(connect(redis_server.url))
    again, replay_event = tickets.join(other, "retry", p["name"], p["phone"], p["id_number"], request_id="r-1")
    other.redis.close()
    assert again["id"] == first["id"] and again["token"] == first["token"]
    assert event is not None and replay_event is None  # a replay broadcasts nothing new
