"""Tubes: capacity, closing, one use per code, one sample per person per round, void, move,
and single-tube residents never in a pooled tube."""

from tests.flow_helpers import call, call_and_sample, join_as, open_tube, sample

TUBE, TUBE2 = "1000000001", "200000000002"


def test_a_tube_closes_at_capacity_and_says_so(client, site, staff):
    tube = open_tube(client, site["id"], 1, TUBE, staff)
    assert (tube["capacity"], tube["mode"], tube["status"]) == (10, "pooled", "open")
    for seed in range(1, 10):
        done = call_and_sample(client, site["id"], 1, staff, seed)
        assert (done["tube"], done["tube_position"], done["tube_filled"]) == (TUBE, seed, False)
    tenth = call_and_sample(client, site["id"], 1, staff, 10)
    assert (tenth["tube_position"], tenth["tube_filled"]) == (10, True)
    view = client.get(f"/api/v1/sites/{site['id']}/stations/1/tube", headers=staff).get_json()
    assert view["tube"] is None  # closed: the console asks for a new tube


def test_capacity_is_set_per_site(client, site, staff, admin):
    response = client.patch(f"/api/v1/sites/{site['id']}/workflow", json={"tube_capacity": 5}, headers=admin)
    assert response.get_json()["tube_capacity"] == 5
    assert client.patch(f"/api/v1/sites/{site['id']}/workflow", json={"tube_capacity": 7},
                        headers=admin).status_code == 400
    open_tube(client, site["id"], 1, TUBE, staff)
    filled = [call_and_sample(client, site["id"], 1, staff, seed)["tube_filled"] for seed in range(1, 6)]
    assert filled == [False, False, False, False, True]


def test_tube_codes_follow_the_site_pattern(client, site, staff, admin):
    open_tube(client, site["id"], 1, "12345", staff, status=400)
    client.patch(f"/api/v1/sites/{site['id']}/workflow", json={"tube_pattern": r"^T\d{5}$"}, headers=admin)
    assert open_tube(client, site["id"], 1, "T12345", staff)["code"] == "T12345"


def test_the_same_tube_code_never_opens_twice(client, site, staff):
    open_tube(client, site["id"], 1, TUBE, staff)
    assert client.post(f"/api/v1/sites/{site['id']}/stations/1/tube/close", headers=staff).status_code == 200
    refused = open_tube(client, site["id"], 2, TUBE, staff, status=409)
    assert refused["error"]["code"] == "tube_used"
    second = open_tube(client, site["id"], 1, TUBE2, staff)
    assert open_tube(client, site["id"], 1, "1000000003", staff, status=409)["error"]["code"] == "tube_already_open"
    assert second["status"] == "open"


def test_close_early_keeps_the_count(client, site, staff):
    open_tube(client, site["id"], 1, TUBE, staff)
    call_and_sample(client, site["id"], 1, staff, 1)
    closed = client.post(f"/api/v1/sites/{site['id']}/stations/1/tube/close", headers=staff).get_json()
    assert (closed["status"], closed["count"], closed["closed_why"]) == ("closed", 1, "early")


def test_the_same_person_is_sampled_once_per_round(client, site, staff):
    open_tube(client, site["id"], 1, TUBE, staff)
    call_and_sample(client, site["id"], 1, staff, 1)
    join_as(client, site["id"], 1)  # rejoins after being sampled
    again = call(client, site["id"], 1, staff)
    refused = sample(client, again["id"], staff, status=409)
    assert refused["error"]["code"] == "already_sampled"
    view = client.get(f"/api/v1/sites/{site['id']}/stations/1/tube", headers=staff).get_json()
    assert view["tube"]["count"] == 1


def test_void_keeps_the_record_and_allows_a_new_sample(client, site, staff):
    open_tube(client, site["id"], 1, TUBE, staff)
    first = call_and_sample(client, site["id"], 1, staff, 1)
    assert client.post(f"/api/v1/tickets/{first['id']}/void", json={}, headers=staff).status_code == 400
    voided = client.post(f"/api/v1/tickets/{first['id']}/void", json={"reason": "拭子掉地上"}, headers=staff)
    assert voided.status_code == 200
    body = voided.get_json()
    assert (body["voided"], body["void_reason"], body["tube"]) == (True, "拭子掉地上", TUBE)
    again = client.post(f"/api/v1/tickets/{first['id']}/void", json={"reason": "x"}, headers=staff)
    assert again.get_json()["error"]["code"] == "already_voided"
    join_as(client, site["id"], 1)
    resampled = sample(client, call(client, site["id"], 1, staff)["id"], staff)
    assert resampled["tube_position"] == 2


def test_move_between_open_tubes(client, site, staff):
    open_tube(client, site["id"], 1, TUBE, staff)
    open_tube(client, site["id"], 2, TUBE2, staff)
    done = call_and_sample(client, site["id"], 1, staff, 1)
    moved = client.post(f"/api/v1/tickets/{done['id']}/move", json={"tube": TUBE2}, headers=staff)
    assert moved.status_code == 200, moved.get_json()
    assert (moved.get_json()["tube"], moved.get_json()["tube_position"]) == (TUBE2, 1)
    views = [client.get(f"/api/v1/sites/{site['id']}/stations/{n}/tube", headers=staff).get_json() for n in (1, 2)]
    assert [v["tube"]["count"] for v in views] == [0, 1]
    same = client.post(f"/api/v1/tickets/{done['id']}/move", json={"tube": TUBE2}, headers=staff)
    assert same.get_json()["error"]["code"] == "same_tube"
    client.post(f"/api/v1/sites/{site['id']}/stations/1/tube/close", headers=staff)
    closed = client.post(f"/api/v1/tickets/{done['id']}/move", json={"tube": TUBE}, headers=staff)
    assert closed.get_json()["error"]["code"] == "tube_not_open"


def test_a_yellow_code_resident_never_lands_in_a_pooled_tube(client, site, staff):
    yellow = join_as(client, site["id"], 1, yellow_code=True)
    regular = join_as(client, site["id"], 2)
    open_tube(client, site["id"], 1, TUBE, staff)
    # A pooled station skips them in the queue...
    assert call(client, site["id"], 1, staff)["id"] == regular["id"]
    assert call(client, site["id"], 1, staff) is None
    view = client.get(f"/api/v1/sites/{site['id']}/stations/1/tube", headers=staff).get_json()
    assert view["single_waiting"] == 1  # the console says a single-tube station is needed
    # ...and one marked at the pooled table goes back to wait for a single-tube station.
    client.post(f"/api/v1/tickets/{regular['id']}/flags", json={"single": "yellow_code"}, headers=staff)
    refused = sample(client, regular["id"], staff, status=409)
    assert refused["error"]["code"] == "invalid_transition"
    back = client.get(f"/api/v1/tickets/{regular['id']}", headers=staff).get_json()
    assert (back["status"], back["lane"]) == ("waiting", "sr")
    client.post(f"/api/v1/tickets/{regular['id']}/flags", json={"single": ""}, headers=staff)
    # A single-tube station takes them, one person per tube.
    assert client.post(f"/api/v1/sites/{site['id']}/stations/2/mode", json={"mode": "single"},
                       headers=staff).status_code == 200
    assert open_tube(client, site["id"], 2, TUBE2, staff)["capacity"] == 1
    called = call(client, site["id"], 2, staff)
    assert called["id"] == yellow["id"]
    done = sample(client, yellow["id"], staff)
    assert (done["tube"], done["sample_mode"], done["tube_filled"]) == (TUBE2, "single", True)
    # Moving a single-tube sample into a pooled tube is refused too.
    open_tube(client, site["id"], 2, "300000000003", staff)
    refused = client.post(f"/api/v1/tickets/{yellow['id']}/move", json={"tube": TUBE}, headers=staff)
    assert refused.status_code == 409


def test_a_site_may_require_a_tube(client, site, staff, admin):
    client.patch(f"/api/v1/sites/{site['id']}/workflow", json={"require_tube": True}, headers=admin)
    join_as(client, site["id"], 1)
    ticket = call(client, site["id"], 1, staff)
    assert sample(client, ticket["id"], staff, status=409)["error"]["code"] == "no_open_tube"


def test_a_station_that_used_tubes_this_round_cannot_sample_into_none(client, site, staff):
    """After "10 人满，请换管" the next swab waits for the next tube; a station that never
    used a tube (the site does not require them) samples as before."""
    open_tube(client, site["id"], 1, TUBE, staff)
    for seed in range(1, 11):
        call_and_sample(client, site["id"], 1, staff, seed)
    join_as(client, site["id"], 11)
    eleventh = call(client, site["id"], 1, staff)
    assert sample(client, eleventh["id"], staff, status=409)["error"]["code"] == "no_open_tube"
    assert client.get(f"/api/v1/tickets/{eleventh['id']}", headers=staff).get_json()["status"] == "called"
    open_tube(client, site["id"], 1, TUBE2, staff)
    assert sample(client, eleventh["id"], staff)["tube"] == TUBE2
    assert call_and_sample(client, site["id"], 2, staff, 12)["tube"] is None


def test_home_sampling_binds_to_the_home_teams_tube(client, site, staff):
    from tests.conftest import person

    body = {**person(5), "address": "八里岔社区 3 栋 2 单元 101", "reason": "卧床"}
    added = client.post(f"/api/v1/sites/{site['id']}/home", json=body, headers=staff)
    assert added.status_code == 201, added.get_json()
    listed = client.get(f"/api/v1/sites/{site['id']}/home", headers=staff).get_json()["home"]
    assert [(h["name"], h["address"]) for h in listed] == [(body["name"], body["address"])]
    assert listed[0]["id_number"] != body["id_number"] and listed[0]["phone"] == "138****0005"
    opened = client.post(f"/api/v1/sites/{site['id']}/home/1/tube", json={"code": TUBE}, headers=staff)
    assert opened.status_code == 201
    done = client.post(f"/api/v1/tickets/{added.get_json()['id']}/home-done", json={"team": 1}, headers=staff)
    assert done.status_code == 200, done.get_json()
    assert (done.get_json()["status"], done.get_json()["tube"]) == ("sampled", TUBE)
    assert client.get(f"/api/v1/sites/{site['id']}/home", headers=staff).get_json()["home"] == []


def test_a_yellow_code_family_member_is_not_called_with_the_family_to_a_pooled_station(client, site, staff):
    from tests.flow_helpers import young

    family = {"phone": "13800000001", "people": [
        {"name": young(1)["name"], "id_number": young(1)["id_number"]},
        {"name": young(2)["name"], "id_number": young(2)["id_number"], "yellow_code": True},
    ]}
    tickets = client.post(f"/api/v1/sites/{site['id']}/tickets", json=family).get_json()["tickets"]
    called = call(client, site["id"], 1, staff)
    assert called["id"] == tickets[0]["id"] and called["also_called"] == []
    assert call(client, site["id"], 1, staff) is None
    client.post(f"/api/v1/sites/{site['id']}/stations/2/mode", json={"mode": "single"}, headers=staff)
    assert call(client, site["id"], 2, staff)["id"] == tickets[1]["id"]


def test_a_home_visit_with_a_yellow_code_never_goes_into_a_pooled_tube(client, site, staff):
    from tests.flow_helpers import young

    body = {**young(5), "address": "3 栋", "reason": "黄码居家", "single": "yellow_code"}
    added = client.post(f"/api/v1/sites/{site['id']}/home", json=body, headers=staff).get_json()
    client.post(f"/api/v1/sites/{site['id']}/home/1/tube", json={"code": TUBE}, headers=staff)
    done = f"/api/v1/tickets/{added['id']}/home-done"
    refused = client.post(done, json={"team": 1}, headers=staff)
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "single_tube_required")
    client.post(f"/api/v1/sites/{site['id']}/home/1/tube/close", headers=staff)
    opened = client.post(f"/api/v1/sites/{site['id']}/home/1/tube?mode=single", json={"code": TUBE2}, headers=staff)
    assert opened.get_json()["capacity"] == 1
    answer = client.post(done, json={"team": 1}, headers=staff).get_json()
    assert (answer["tube"], answer["sample_mode"], answer["tube_filled"]) == (TUBE2, "single", True)


def test_a_retried_sampled_binds_once(client, site, staff):
    from tests.flow_helpers import join_as

    open_tube(client, site["id"], 1, TUBE, staff)
    join_as(client, site["id"], 1)
    ticket = call(client, site["id"], 1, staff)
    retry = {**staff, "Idempotency-Key": "sample-once"}
    first = client.post(f"/api/v1/tickets/{ticket['id']}/sampled", headers=retry).get_json()
    again = client.post(f"/api/v1/tickets/{ticket['id']}/sampled", headers=retry).get_json()
    assert first["tube_position"] == again["tube_position"] == 1
    view = client.get(f"/api/v1/sites/{site['id']}/stations/1/tube", headers=staff).get_json()
    assert view["tube"]["count"] == 1


def test_a_late_sampled_mark_binds_only_to_the_tube_it_was_made_with(client, site, staff):
    """A console that kept a mark through a network cut sends the tube it showed open: if the
    station has another tube open by then, the mark is refused and nothing changes."""
    open_tube(client, site["id"], 1, TUBE, staff)
    join_as(client, site["id"], 1)
    ticket = call(client, site["id"], 1, staff)
    url = f"/api/v1/tickets/{ticket['id']}/sampled"
    refused = client.post(url, json={"tube": TUBE2}, headers=staff)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "tube_changed"
    assert client.post(url, json={"tube": None}, headers=staff).get_json()["error"]["code"] == "tube_changed"
    assert client.get(f"/api/v1/tickets/{ticket['id']}", headers=staff).get_json()["status"] == "called"
    bad = client.post(url, json={"tube": 5}, headers=staff)
    assert bad.status_code == 400 and bad.get_json()["error"]["fields"] == {"tube": "tube_code_or_null"}
    done = client.post(url, json={"tube": TUBE}, headers=staff).get_json()
    assert (done["status"], done["tube"], done["tube_position"]) == ("sampled", TUBE, 1)


def test_the_open_tube_lists_its_people_masked_once_they_are_sampled(client, site, staff):
    """The console prints this list; it must never carry a raw ID number or phone."""
    from tests.flow_helpers import young

    open_tube(client, site["id"], 1, TUBE, staff)
    for seed in (1, 2):
        call_and_sample(client, site["id"], 1, staff, seed)
    response = client.get(f"/api/v1/sites/{site['id']}/stations/1/tube", headers=staff)
    people = response.get_json()["tube"]["people"]
    assert [p["name"] for p in people] == ["居民1", "居民2"]
    for seed, shown in zip((1, 2), people, strict=True):
        raw = young(seed)
        assert shown["id_number"] == raw["id_number"][:4] + "*" * 10 + raw["id_number"][-4:]
        assert shown["phone"] == raw["phone"][:3] + "****" + raw["phone"][-4:]
        text = response.get_data(as_text=True)
        assert raw["id_number"] not in text and raw["phone"] not in text
