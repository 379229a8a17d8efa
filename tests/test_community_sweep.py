"""Sweep teams: their code, the doors left, knocks, exemptions and pledges; and closing a round."""

from natqueue.sampling import home
from tests import community_support as support

C = "/api/v1/communities/balicha"


def _setup(client, admin, **shape):
    people = support.roster(**shape)
    site = support.make_site(client, admin, "s1")
    support.make_community(client, admin, ["s1"], rows=people)
    return people, site


def _households(client, headers, **query):
    response = client.get(f"{C}/sweep", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["households"]


def test_knocks_and_exemptions_are_refused_without_the_right_credentials(app, client, admin):
    _people, site = _setup(client, admin, buildings=1, rooms=1, per_room=1)
    support.make_site(client, admin, "s9")
    support.make_community(client, admin, ["s9"], community_id="other")
    hid = _households(client, admin)[0]["id"]
    pid = _households(client, admin)[0]["people"][0]["id"]
    staff = support.staff_of(client, site)
    own = support.sweep_team(client, admin)
    other = support.sweep_team(client, admin, community_id="other")
    anonymous = app.test_client()
    knock = {"outcome": "no_answer"}
    for who, status in ((anonymous, 401), (client, 403)):
        headers = staff if who is client else {}
        assert who.post(f"{C}/households/{hid}/visits", json=knock, headers=headers).status_code == status
        assert who.post(f"{C}/people/{pid}/exempt", json={"reason": "away"}, headers=headers).status_code == status
        assert who.get(f"{C}/sweep", headers=headers).status_code == status
    for headers in (other, {"Authorization": "Bearer forged"}):
        assert anonymous.post(f"{C}/households/{hid}/visits", json=knock, headers=headers).status_code == 403
        assert anonymous.post(f"{C}/people/{pid}/exempt", json={"reason": "away"}, headers=headers).status_code == 403
    # A sweep token does not open a station, nor the organizer's pages.
    assert anonymous.post("/api/v1/sites/s1/stations/1/call", headers=own).status_code == 403
    assert anonymous.get(f"{C}/coverage", headers=own).status_code == 403
    assert anonymous.post(f"{C}/households/{hid}/visits", json=knock, headers=own).status_code == 201
    assert anonymous.post(f"{C}/people/{pid}/exempt", json={"reason": "away"}, headers=own).status_code == 200
    assert support.coverage(client, admin)["totals"]["exempt"] == 1
    # A new code signs every team out.
    client.post(f"{C}/sweep-code", headers=admin)
    assert anonymous.post(f"{C}/households/{hid}/visits", json=knock, headers=own).status_code == 403
    assert anonymous.post("/api/v1/auth/sweep", json={"community": "balicha", "code": "00000000"}).status_code == 403


def test_the_sweep_list_masks_people_and_keeps_only_doors_with_someone_untested(client, admin):
    people, site = _setup(client, admin, buildings=1, rooms=2, per_room=2)
    team = support.sweep_team(client, admin)
    support.join_person(client, "s1", people[0])
    support.join_person(client, "s1", people[1])
    staff = support.staff_of(client, site)
    support.sample_next(client, "s1", 1, staff)
    support.sample_next(client, "s1", 1, staff)  # room 101 all tested
    found = _households(client, team, compound="小区1", building="1栋")
    assert [h["room"] for h in found] == ["102"]
    person = found[0]["people"][0]
    assert person["name"] == people[2]["name"][0] + "*" * (len(people[2]["name"]) - 2) + people[2]["name"][-1]
    assert person["phone"] == people[2]["phone"][:3] + "****" + people[2]["phone"][-4:]
    text = client.get(f"{C}/sweep", query_string={"all": "1"}, headers=team).get_data(as_text=True)
    assert all(p["id_number"] not in text and p["id_number"][:14] not in text for p in people)
    assert all(p["name"] not in text for p in people)
    assert len(_households(client, team, compound="小区1", building="1栋", all="1")) == 2


def test_a_knock_home_sample_puts_the_untested_on_the_home_list_building_by_building(client, admin, backend):
    people, site = _setup(client, admin, buildings=3, rooms=1, per_room=2)
    team = support.sweep_team(client, admin)
    for b in ("3栋", "1栋"):
        h = _households(client, team, compound="小区1", building=b)[0]
        response = client.post(f"{C}/households/{h['id']}/visits", headers=team,
                               json={"outcome": "home_sample", "note": "行动不便"})
        assert response.status_code == 201, response.get_json()
        assert len(response.get_json()["home"]) == 2
    found = support.coverage(client, admin)
    assert found["totals"]["home"] == 4 and support.building(found, "小区1", "2栋")["totals"]["home"] == 0
    visits = [v["address"] for v in home.home_list(backend, "s1")]
    assert visits == ["小区1 1栋 1单元 101"] * 2 + ["小区1 3栋 1单元 101"] * 2
    knocked = _households(client, team, compound="小区1", building="1栋", all="1")[0]
    assert [(v["outcome"], v["note"], v["team"]) for v in knocked["visits"]] == [("home_sample", "行动不便", "扫楼队1")]
    assert {p["status"] for p in knocked["people"]} == {"home"}


def test_an_exemption_needs_a_known_reason_and_other_needs_a_note(client, admin):
    _people, _site = _setup(client, admin, buildings=1, rooms=1, per_room=1)
    pid = _households(client, admin)[0]["people"][0]["id"]
    for body in ({}, {"reason": "lazy"}, {"reason": "other"}):
        response = client.post(f"{C}/people/{pid}/exempt", json=body, headers=admin)
        assert response.status_code == 400, body
    assert support.coverage(client, admin)["totals"]["exempt"] == 0
    ok = client.post(f"{C}/people/{pid}/exempt", json={"reason": "other", "note": "出国"}, headers=admin)
    assert ok.status_code == 200 and ok.get_json()["status"] == "exempt"
    assert client.post(f"{C}/people/p999/exempt", json={"reason": "moved"}, headers=admin).status_code == 404


def test_pledges_are_counted_per_household(client, admin):
    _setup(client, admin, buildings=1, rooms=3, per_room=2)
    team = support.sweep_team(client, admin)
    hids = [h["id"] for h in _households(client, team)]
    for hid in hids[:2]:
        assert client.post(f"{C}/households/{hid}/pledge", json={"signed": True}, headers=team).status_code == 200
    client.post(f"{C}/households/{hids[0]}/pledge", json={"signed": True}, headers=team)  # twice: once
    totals = support.coverage(client, admin)["totals"]
    assert (totals["households"], totals["pledged"]) == (3, 2)


def test_a_round_refuses_to_close_while_anyone_is_left_then_closes(client, admin, backend):
    people, site = _setup(client, admin, buildings=2, rooms=1, per_room=2)  # 1栋: 0,1; 2栋: 2,3
    staff = support.staff_of(client, site)
    team = support.sweep_team(client, admin)
    support.join_person(client, "s1", people[0])
    support.sample_next(client, "s1", 1, staff)
    h2 = _households(client, team, compound="小区1", building="2栋")[0]
    client.post(f"{C}/households/{h2['id']}/visits", json={"outcome": "home_sample"}, headers=team)
    refused = client.post(f"{C}/rounds/1/close", json={}, headers=admin)
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "not_accounted" and (error["untested"], error["home"]) == (1, 2)
    assert error["buildings"] == [{"compound": "小区1", "building": "1栋", "untested": 1, "home": 0},
                                  {"compound": "小区1", "building": "2栋", "untested": 0, "home": 2}]
    assert client.post(f"{C}/rounds/1/close", json={"force": True}, headers=admin).status_code == 400  # no reason
    # Everyone accounted for: one exempt, the home visits done.
    left = [p for h in _households(client, team) for p in h["people"] if p["status"] == "untested"]
    assert len(left) == 1
    client.post(f"{C}/people/{left[0]['id']}/exempt", json={"reason": "hospital"}, headers=team)
    client.post("/api/v1/sites/s1/home/1/tube", json={"code": "3000000001"}, headers=staff)
    for visit in home.home_list(backend, "s1"):
        assert client.post(f"/api/v1/tickets/{visit['id']}/home-done", json={"team": 1},
                           headers=staff).status_code == 200
    closed = client.post(f"{C}/rounds/1/close", json={}, headers=admin)
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["forced"] is False
    assert client.post(f"{C}/rounds/1/close", json={}, headers=admin).get_json()["error"]["code"] == "round_closed"
    report = client.get(f"{C}/rounds/1/report", headers=admin).get_json()
    assert [e["reason"] for e in report["exemptions"]] == ["hospital"]
    assert len(report["home_samples"]) == 2 and report["not_reached"] == []


def test_a_forced_close_keeps_who_was_left_and_why(client, admin):
    people, _site = _setup(client, admin, buildings=1, rooms=2, per_room=1)
    team = support.sweep_team(client, admin)
    h = _households(client, team)[0]
    client.post(f"{C}/households/{h['id']}/visits", json={"outcome": "no_answer", "note": "敲门三次"}, headers=team)
    closed = client.post(f"{C}/rounds/1/close", json={"force": True, "reason": "区里要求截止"}, headers=admin)
    assert closed.status_code == 200, closed.get_json()
    record = closed.get_json()
    assert (record["forced"], record["reason"], record["left"]) == (True, "区里要求截止", {"untested": 2, "home": 0})
    report = client.get(f"{C}/rounds/1/report", headers=admin).get_json()
    assert len(report["not_reached"]) == 2
    assert report["not_reached"][0]["visits"][0]["note"] == "敲门三次"
    assert people[0]["name"] not in str(report)  # masked in the page's data
    # After closing, the round takes no more knocks.
    late = client.post(f"{C}/households/{h['id']}/visits", json={"outcome": "away"}, headers=team)
    assert (late.status_code, late.get_json()["error"]["code"]) == (409, "round_closed")


def test_the_report_workbook_is_unmasked_for_organizers_only_and_audited(client, admin):
    people, _site = _setup(client, admin, buildings=1, rooms=1, per_room=1)
    team = support.sweep_team(client, admin)
    assert client.get(f"{C}/rounds/1/report.xlsx", headers=team).status_code == 403
    response = client.get(f"{C}/rounds/1/report.xlsx", headers={**admin, "X-Natq-User": "许静"})
    assert response.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(response.data))
    rows = list(book["not reached"].iter_rows(values_only=True))
    assert rows[1][1:5] == (people[0]["name"], "id", people[0]["id_number"], people[0]["phone"])
    audit = client.get(f"{C}/audit", headers=admin).get_json()["audit"]
    assert audit[0]["action"] == "report_export" and "许静" in audit[0]["who"]


def test_a_knock_sent_again_with_its_key_is_recorded_once(client, admin):
    _setup(client, admin, buildings=1, rooms=1, per_room=2)
    team = support.sweep_team(client, admin)
    h = _households(client, team)[0]
    for _ in range(3):  # the phone's outbox resending after a stairwell
        response = client.post(f"{C}/households/{h['id']}/visits", json={"outcome": "home_sample"},
                               headers={**team, "Idempotency-Key": "knock-1"})
        assert response.status_code == 201
    again = _households(client, team, all="1")[0]
    assert len(again["visits"]) == 1 and support.coverage(client, admin)["totals"]["home"] == 2


def test_people_still_on_a_home_list_are_home_in_the_next_round_until_visited(client, admin, backend):
    _people, site = _setup(client, admin, buildings=1, rooms=1, per_room=1)
    staff = support.staff_of(client, site)
    h = _households(client, admin)[0]
    client.post(f"{C}/households/{h['id']}/visits", json={"outcome": "home_sample"}, headers=admin)
    assert client.post(f"{C}/rounds", json={"name": "第二轮"}, headers=admin).status_code == 201
    assert support.coverage(client, admin)["totals"]["home"] == 1
    client.post("/api/v1/sites/s1/home/1/tube", json={"code": "3000000009"}, headers=staff)
    visit = home.home_list(backend, "s1")[0]
    client.post(f"/api/v1/tickets/{visit['id']}/home-done", json={"team": 1}, headers=staff)
    totals = support.coverage(client, admin)["totals"]
    assert (totals["home"], totals["tested"]) == (0, 1)
    assert support.coverage(client, admin, round=1)["totals"]["home"] == 1  # as round 1 ended
