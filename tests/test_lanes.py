"""Who is called next: the priority ratio, households, walk-ins, and what "ahead" says."""

from natqueue.store.backend import Backend
from tests.conftest import make_id_number, person
from tests.flow_helpers import call, elderly, join_as, young

APRIL_3 = 1775174400000  # 2026-04-03 08:00 in Shanghai


def test_priority_ratio_over_a_long_mixed_sequence(client, site, staff, rng):
    """Default 1 priority : 2 regular while both wait; whichever alone waits is served."""
    lanes = {}
    for seed in range(1, 121):
        if rng.random() < 0.4:
            ticket = client.post(f"/api/v1/sites/{site['id']}/tickets", json=elderly(seed)).get_json()
        else:
            ticket = join_as(client, site["id"], seed)
        lanes[ticket["id"]] = ticket["lane"]
    order = [call(client, site["id"], 1, staff)["id"] for _ in range(120)]
    served = [lanes[tid] for tid in order]
    priority_total = served.count("p")
    # While both lanes wait the calls go p r r p r r ...
    both = served[: 3 * min(priority_total, (120 - priority_total) // 2)]
    assert both == ["p", "r", "r"] * (len(both) // 3)
    # Within each lane, join order.
    for lane in ("p", "r"):
        mine = [tid for tid in order if lanes[tid] == lane]
        assert mine == [tid for tid in lanes if lanes[tid] == lane]
    assert call(client, site["id"], 1, staff) is None


def test_the_ratio_is_the_sites(client, site, staff, admin):
    client.patch(f"/api/v1/sites/{site['id']}/workflow", json={"priority_ratio": [2, 1]}, headers=admin)
    lanes = {}
    for seed in range(1, 13):
        body = elderly(seed) if seed % 2 else young(seed)
        ticket = client.post(f"/api/v1/sites/{site['id']}/tickets", json=body).get_json()
        lanes[ticket["id"]] = ticket["lane"]
    served = [lanes[call(client, site["id"], 1, staff)["id"]] for _ in range(9)]
    assert served == ["p", "p", "r"] * 3


def test_seventy_is_computed_from_the_birth_date_on_the_sites_clock(app, client, site):
    backend: Backend = app.extensions["natqueue"]
    backend.clock = lambda: APRIL_3
    turning = {**person(1), "id_number": make_id_number(1, birth="19560403")}
    not_yet = {**person(2), "id_number": make_id_number(2, birth="19560404")}
    first = client.post(f"/api/v1/sites/{site['id']}/tickets", json=turning).get_json()
    second = client.post(f"/api/v1/sites/{site['id']}/tickets", json=not_yet).get_json()
    assert (first["lane"], first["priority"]) == ("p", "elderly")
    assert (second["lane"], second["priority"]) == ("r", None)


def test_a_seventieth_birthday_counts_from_local_midnight_not_utcs(app, client, site):
    """01:00 on April 3 in Shanghai is still April 2 in UTC: the birthday is today at the site."""
    backend: Backend = app.extensions["natqueue"]
    backend.clock = lambda: APRIL_3 - 7 * 3600 * 1000
    turning = {**person(1), "id_number": make_id_number(1, birth="19560403")}
    ticket = client.post(f"/api/v1/sites/{site['id']}/tickets", json=turning).get_json()
    assert (ticket["lane"], ticket["priority"]) == ("p", "elderly")


def test_declared_priority_waits_for_staff(client, site, staff):
    declared = join_as(client, site["id"], 1, priority="pregnant")
    assert (declared["lane"], declared["declared"]) == ("r", "pregnant")
    view = client.get(f"/api/v1/sites/{site['id']}/stations/1/tube", headers=staff).get_json()
    assert [t["id"] for t in view["declared"]] == [declared["id"]]
    confirmed = client.post(f"/api/v1/tickets/{declared['id']}/flags", json={"priority": "pregnant"},
                            headers=staff).get_json()
    assert (confirmed["lane"], confirmed["priority"], confirmed["priority_checked"]) == ("p", "pregnant", True)
    assert client.get(f"/api/v1/sites/{site['id']}/stations/1/tube", headers=staff).get_json()["declared"] == []


def test_family_join_gives_each_a_ticket_called_together(client, site, staff):
    first = join_as(client, site["id"], 50)
    family = {"phone": "13800000001", "people": [
        {"name": "张伟", "id_number": make_id_number(1)},
        {"name": "张小明", "id_number": make_id_number(2, birth="20180101")},
        {"name": "Anna", "doc_type": "passport", "id_number": "X1234567"},
    ]}
    response = client.post(f"/api/v1/sites/{site['id']}/tickets", json=family)
    assert response.status_code == 201, response.get_json()
    tickets = response.get_json()["tickets"]
    assert [t["number"] for t in tickets] == ["A002", "A003", "A004"]
    assert all(t["token"] and t["code"].startswith("QN.") for t in tickets)
    assert [t["phone"] for t in tickets] == ["138****0001"] * 3
    assert call(client, site["id"], 1, staff)["id"] == first["id"]
    called = client.post(f"/api/v1/sites/{site['id']}/stations/2/call", headers=staff).get_json()["ticket"]
    assert called["id"] == tickets[0]["id"]
    assert [t["id"] for t in called["also_called"]] == [t["id"] for t in tickets[1:]]
    assert {t["station"] for t in called["also_called"]} == {2}
    view = client.get(f"/api/v1/sites/{site['id']}/stations/2", headers=staff).get_json()
    assert sorted(t["number"] for t in view["serving"]) == ["A002", "A003", "A004"]


def test_family_join_is_all_or_nothing(client, site):
    queued = join_as(client, site["id"], 2)
    # already in the queue, joined with the family's phone: its number is given back
    family = {"phone": young(2)["phone"], "people": [
        {"name": "张伟", "id_number": make_id_number(1)},
        {"name": "重复", "id_number": young(2)["id_number"]},
    ]}
    refused = client.post(f"/api/v1/sites/{site['id']}/tickets", json=family)
    assert refused.status_code == 409
    assert (refused.get_json()["error"]["number"], refused.get_json()["error"]["person"]) == (queued["number"], 1)
    assert client.get(f"/api/v1/sites/{site['id']}").get_json()["waiting"] == 1
    bad = {"phone": "13800000001", "people": [{"name": "张伟", "id_number": make_id_number(1)},
                                              {"name": "", "doc_type": "taiwan", "id_number": "1"}]}
    answer = client.post(f"/api/v1/sites/{site['id']}/tickets", json=bad).get_json()
    assert answer["error"]["fields"] == {"people.1.name": "required", "people.1.id_number": "format"}
    too_many = {"phone": "13800000001", "people": [{"name": f"人{i}", "id_number": make_id_number(10 + i)}
                                                   for i in range(9)]}
    assert client.post(f"/api/v1/sites/{site['id']}/tickets", json=too_many).get_json()["error"]["fields"] == {
        "people": "at_most_8"}
    assert client.get(f"/api/v1/sites/{site['id']}").get_json()["waiting"] == 1


def test_walk_ins_wait_in_the_same_order_as_phone_joins(client, site, staff):
    order = []
    for seed in range(1, 7):
        if seed % 2:
            order.append(join_as(client, site["id"], seed)["id"])
        else:
            body = {"name": f"老人{seed}", "id_number": make_id_number(seed)}
            response = client.post(f"/api/v1/sites/{site['id']}/stations/1/walk-in", json=body, headers=staff)
            assert response.status_code == 201, response.get_json()
            walk_in = response.get_json()
            assert walk_in["walk_in"] is True and "token" not in walk_in
            order.append(walk_in["id"])
    assert [call(client, site["id"], 1, staff)["id"] for _ in order] == order
    assert client.application.test_client().post(f"/api/v1/sites/{site['id']}/stations/1/walk-in",
                       json={"name": "x", "id_number": "1"}).status_code == 401


def test_ahead_counts_by_lane(client, site, staff):
    regular = [join_as(client, site["id"], seed) for seed in (1, 2)]
    old = client.post(f"/api/v1/sites/{site['id']}/tickets", json=elderly(3)).get_json()
    late = join_as(client, site["id"], 4)
    assert [t["ahead"] for t in (*regular, old, late)] == [0, 1, 0, 3]
    holder = {"X-Ticket-Token": late["token"]}
    call(client, site["id"], 1, staff)  # the priority ticket goes first
    assert client.get(f"/api/v1/tickets/{late['id']}", headers=holder).get_json()["ahead"] == 2


def test_call_events_say_which_lane_moved(client, site, staff, socket_client):
    watcher = socket_client()
    watcher.emit("watch_site", {"site_id": site["id"]})
    watcher.get_received()
    client.post(f"/api/v1/sites/{site['id']}/tickets", json=elderly(3))
    call(client, site["id"], 1, staff)
    events = [m["args"][0] for m in watcher.get_received() if m["name"] == "site_event"]
    assert [(e["type"], e["lane"]) for e in events] == [("joined", "p"), ("called", "p")]


def test_the_console_lists_next_in_the_order_it_will_call(client, site, staff):
    numbers = {}
    for seed in range(1, 7):
        body = elderly(seed) if seed > 3 else young(seed)
        numbers[seed] = client.post(f"/api/v1/sites/{site['id']}/tickets", json=body).get_json()["number"]
    yellow = join_as(client, site["id"], 7, yellow_code=True)
    view = client.get(f"/api/v1/sites/{site['id']}/stations/1", headers=staff).get_json()
    expected = [numbers[s] for s in (4, 1, 2, 5, 3)]
    assert [t["number"] for t in view["next"]] == expected
    assert [call(client, site["id"], 1, staff)["number"] for _ in range(5)] == expected
    client.post(f"/api/v1/sites/{site['id']}/stations/2/mode", json={"mode": "single"}, headers=staff)
    single = client.get(f"/api/v1/sites/{site['id']}/stations/2", headers=staff).get_json()
    assert [t["number"] for t in single["next"]] == [yellow["number"]]


def test_a_retried_family_join_returns_the_same_tickets(client, site):
    family = {"phone": "13800000001", "people": [{"name": "甲", "id_number": young(1)["id_number"]},
                                                 {"name": "乙", "id_number": young(2)["id_number"]}]}
    headers = {"Idempotency-Key": "family-once"}
    first = client.post(f"/api/v1/sites/{site['id']}/tickets", json=family, headers=headers)
    again = client.post(f"/api/v1/sites/{site['id']}/tickets", json=family, headers=headers)
    assert first.status_code == again.status_code == 201
    assert [t["id"] for t in again.get_json()["tickets"]] == [t["id"] for t in first.get_json()["tickets"]]
    assert all(t["token"] for t in again.get_json()["tickets"])
    assert client.get(f"/api/v1/sites/{site['id']}").get_json()["waiting"] == 2


def test_a_yellow_code_wait_is_estimated_by_the_single_tube_stations_alone(client, admin):
    """Two pooled stations and one single-tube station, at the default 30 s a person each:
    everyone else waits by the pooled pair (15 s a person), a yellow code by the single one
    (30 s), and with no single-tube station open there is no estimate for them at all."""
    client.post("/api/v1/sites", json={"id": "sanzhan", "name": "三台", "stations": 3}, headers=admin)
    staff = {"Authorization": "Bearer " + client.post("/api/v1/auth/staff", json={
        "site_id": "sanzhan", "code": client.post("/api/v1/sites/sanzhan/staff-code", headers=admin)
        .get_json()["staff_code"]}).get_json()["token"]}
    assert client.post("/api/v1/sites/sanzhan/stations/3/mode", json={"mode": "single"},
                       headers=staff).status_code == 200
    regular = [join_as(client, "sanzhan", seed) for seed in (1, 2)]
    yellow = [join_as(client, "sanzhan", seed, yellow_code=True) for seed in (3, 4)]
    assert client.get("/api/v1/sites/sanzhan").get_json()["pace_seconds"] == 15
    assert (regular[1]["ahead"], regular[1]["pace_seconds"], regular[1]["eta_seconds"]) == (1, 15, 15)
    assert (yellow[1]["ahead"], yellow[1]["pace_seconds"], yellow[1]["eta_seconds"]) == (1, 30, 30)
    client.post("/api/v1/sites/sanzhan/stations/3/status", json={"status": "closed"}, headers=staff)
    holder = {"X-Ticket-Token": yellow[1]["token"]}
    now = client.get(f"/api/v1/tickets/{yellow[1]['id']}", headers=holder).get_json()
    assert (now["ahead"], now["pace_seconds"], now["eta_seconds"]) == (1, None, None)
    assert client.get(f"/api/v1/tickets/{regular[1]['id']}", headers={"X-Ticket-Token": regular[1]["token"]}
                      ).get_json()["eta_seconds"] == 15


def test_the_console_list_matches_every_call_mid_run_and_with_the_sites_ratio(client, site, staff, admin, rng):
    """The console's next five are the next five calls, whatever point of the ratio's run it is at."""
    client.patch(f"/api/v1/sites/{site['id']}/workflow", json={"priority_ratio": [2, 3]}, headers=admin)
    for seed in range(1, 31):
        body = elderly(seed) if rng.random() < 0.4 else young(seed)
        assert client.post(f"/api/v1/sites/{site['id']}/tickets", json=body).status_code == 201
    listed, order = [], []
    while True:
        view = client.get(f"/api/v1/sites/{site['id']}/stations/1", headers=staff).get_json()
        listed.append([t["number"] for t in view["next"]])
        called = call(client, site["id"], 1, staff)
        if called is None:
            break
        order.append(called["number"])
    assert len(order) == 30
    for i, shown in enumerate(listed):
        assert shown == order[i:i + 5]
