"""Live coverage: a resident counts once, wherever and however sampled, and only while the sample stands."""

import threading

from natqueue.community import coverage as community_coverage
from natqueue.community.keys import site_pending
from natqueue.keys import SiteKeys
from natqueue.sites import registry
from natqueue.store.backend import Backend
from natqueue.store.connect import connect
from natqueue.tickets import joining, lanes, moves
from tests.community_support import (
    building,
    coverage,
    join_person,
    make_community,
    make_site,
    roster,
    row,
    sample_next,
    staff_of,
)


def _two_sites(client, admin, rows):
    s1, s2 = make_site(client, admin, "s1"), make_site(client, admin, "s2")
    make_community(client, admin, ["s1", "s2"], rows=rows)
    return s1, s2, staff_of(client, s1), staff_of(client, s2)


def test_a_resident_counts_once_whether_sampled_in_the_queue_as_a_walk_in_or_at_home(client, admin):
    people = roster(buildings=2, rooms=2, per_room=2)  # 8 people; 1栋: 0-3, 2栋: 4-7
    s1, s2, staff1, staff2 = _two_sites(client, admin, people)
    # Queue at site 1.
    join_person(client, "s1", people[0])
    sample_next(client, "s1", 1, staff1)
    # A walk-in at site 2's table, with a passport-free resident ID typed by staff.
    walk = client.post("/api/v1/sites/s2/stations/1/walk-in", headers=staff2,
                       json={"name": people[1]["name"], "id_number": people[1]["id_number"]})
    assert walk.status_code == 201, walk.get_json()
    sample_next(client, "s2", 1, staff2)
    # A home visit from site 2: on the list first (home), then sampled.
    added = client.post("/api/v1/sites/s2/home", headers=staff2,
                        json={"name": people[4]["name"], "id_number": people[4]["id_number"],
                              "address": "小区1 2栋 1单元 101", "reason": "卧床"})
    assert added.status_code == 201, added.get_json()
    mid = coverage(client, admin)
    assert (mid["totals"]["tested"], mid["totals"]["home"]) == (2, 1)
    assert building(mid, "小区1", "2栋")["totals"]["home"] == 1
    done = client.post(f"/api/v1/tickets/{added.get_json()['id']}/home-done", json={"team": 1}, headers=staff2)
    assert done.status_code == 200, done.get_json()
    # The same person again at the other site: still one person tested.
    join_person(client, "s2", people[0])
    sample_next(client, "s2", 2, staff2)
    # Someone not on the roster: a visitor.
    join_person(client, "s1", row(500, compound="别处"))
    sample_next(client, "s1", 2, staff1)
    found = coverage(client, admin)
    assert found["totals"] == {**found["totals"], "people": 8, "tested": 3, "home": 0, "untested": 5, "unlisted": 1}
    assert building(found, "小区1", "1栋")["totals"]["tested"] == 2
    assert building(found, "小区1", "2栋")["totals"]["tested"] == 1


def test_a_voided_sample_does_not_count_and_a_new_sample_does(client, admin):
    people = roster(buildings=1, rooms=1, per_room=2)
    s1, _s2, staff1, _staff2 = _two_sites(client, admin, people)
    join_person(client, "s1", people[0])
    sampled = sample_next(client, "s1", 1, staff1)
    assert coverage(client, admin)["totals"]["tested"] == 1
    voided = client.post(f"/api/v1/tickets/{sampled['id']}/void", json={"reason": "标签模糊"}, headers=staff1)
    assert voided.status_code == 200, voided.get_json()
    found = coverage(client, admin)
    assert (found["totals"]["tested"], found["totals"]["untested"]) == (0, 2)
    join_person(client, "s2", people[0])
    sample_next(client, "s2", 1, staff_of(client, _s2))
    assert coverage(client, admin)["totals"]["tested"] == 1


def test_eight_stations_sampling_at_once_count_exactly(redis_server, client, admin):
    people = roster(compounds=2, buildings=4, rooms=5, per_room=4)  # 160 people, 20 per building
    for site_id in ("s1", "s2"):
        make_site(client, admin, site_id, stations=4)
    make_community(client, admin, ["s1", "s2"], rows=people)
    backend = Backend(connect(redis_server.url))
    for i, r in enumerate(people):
        joining.join_people(backend, "s1" if i % 2 else "s2", [lanes.Person(r["name"], r["phone"], "id",
                                                                            r["id_number"])])
    backend.close()
    barrier = threading.Barrier(8)
    sampled, errors = [], []

    def station(site_id, number):
        own = Backend(connect(redis_server.url))  # each station its own connection, as processes would have
        barrier.wait()
        try:
            while True:
                ticket, _ = moves.call_next(own, site_id, number)
                if ticket is None:
                    break
                moves.transition(own, ticket["id"], "sampled")
                sampled.append(ticket["id"])
                if len(sampled) % 25 == 0:  # coverage read while others write: reconciles must not double-count
                    community_coverage.coverage(own, "balicha")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=station, args=(s, n)) for s in ("s1", "s2") for n in (1, 2, 3, 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(sampled) == 160
    found = coverage(client, admin)
    assert (found["totals"]["tested"], found["totals"]["untested"]) == (160, 0)
    assert all(b["totals"]["tested"] == 20 for c in found["compounds"] for b in c["buildings"])
    timeline = client.get("/api/v1/communities/balicha/timeline", headers=admin).get_json()["points"]
    assert timeline[-1]["tested"] == 160  # the morning's chart ends where the counts are


def test_a_note_left_by_a_process_that_died_is_counted_at_the_next_read(client, admin, backend):
    people = roster(buildings=1, rooms=1, per_room=1)
    s1, _s2, staff1, _ = _two_sites(client, admin, people)
    ticket = join_person(client, "s1", people[0])
    client.post("/api/v1/sites/s1/stations/1/call", headers=staff1)
    keys = SiteKeys("s1")
    # The site's own step alone, as if the process died before the community's.
    backend.run("TRANSITION", [keys.ticket(ticket["id"]), keys.waiting, keys.live_ids, keys.events,
                               keys.idem("sampled:x", "crash"), keys.served, keys.stations, keys.calling],
                ["sampled", "", ""], keys)
    assert backend.redis.zcard(site_pending("s1")) == 1
    assert coverage(client, admin)["totals"]["tested"] == 1
    assert backend.redis.zcard(site_pending("s1")) == 0
    assert coverage(client, admin)["totals"]["tested"] == 1  # applied once


def test_a_site_joining_late_brings_what_it_sampled_this_round(client, admin, backend):
    people = roster(buildings=1, rooms=1, per_room=2)
    s1 = make_site(client, admin, "s1")
    staff1 = staff_of(client, s1)
    join_person(client, "s1", people[0])
    sample_next(client, "s1", 1, staff1)
    make_community(client, admin, [], rows=people)
    assert coverage(client, admin)["totals"]["tested"] == 0
    assert client.patch("/api/v1/communities/balicha", json={"sites": ["s1"]}, headers=admin).status_code == 200
    assert coverage(client, admin)["totals"]["tested"] == 1
    assert registry.get_site(backend, "s1")["id"] == "s1"


def test_a_site_belongs_to_one_community(client, admin):
    make_site(client, admin, "s1")
    make_community(client, admin, ["s1"])
    again = client.post("/api/v1/communities", json={"id": "other", "name": "别的社区", "sites": ["s1"]},
                        headers=admin)
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "site_in_community")
    unknown = client.post("/api/v1/communities", json={"id": "other", "name": "别的社区", "sites": ["nope"]},
                          headers=admin)
    assert (unknown.status_code, unknown.get_json()["error"]["code"]) == (404, "site_not_found")


def test_a_new_round_starts_at_every_site_and_counts_from_zero_while_the_old_one_stays_readable(client, admin):
    people = roster(buildings=1, rooms=1, per_room=2)
    s1, s2, staff1, staff2 = _two_sites(client, admin, people)
    join_person(client, "s1", people[0])
    sample_next(client, "s1", 1, staff1)
    started = client.post("/api/v1/communities/balicha/rounds", json={"name": "第二轮"}, headers=admin)
    assert started.status_code == 201, started.get_json()
    assert started.get_json()["round"] == 2
    for site_id, staff in (("s1", staff1), ("s2", staff2)):
        rounds = client.get(f"/api/v1/sites/{site_id}/rounds", headers=staff).get_json()["rounds"]
        assert [r["name"] for r in rounds] == ["", "第二轮"]
    assert coverage(client, admin)["totals"]["tested"] == 0
    join_person(client, "s2", people[0])  # sampled again this round, at the other site
    sample_next(client, "s2", 1, staff2)
    join_person(client, "s2", people[1])
    sample_next(client, "s2", 1, staff2)
    assert (coverage(client, admin)["round"], coverage(client, admin)["totals"]["tested"]) == (2, 2)
    assert coverage(client, admin, round=1)["totals"]["tested"] == 1
    assert client.get("/api/v1/communities/balicha/coverage?round=3", headers=admin).status_code == 404
    alone = client.post("/api/v1/sites/s1/rounds", json={"name": "单独一轮"}, headers=admin)
    assert (alone.status_code, alone.get_json()["error"]["code"]) == (409, "in_community")
