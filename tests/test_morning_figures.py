"""What the organizer and the station read at a site's first morning: tubes required by
default, samples without a tube counted, who is being served now, and a new site's roster."""

from tests.conftest import person

TUBE = "1000000001"


def _stats(client, site, admin) -> dict:
    response = client.get(f"/api/v1/sites/{site['id']}/stats", headers=admin)
    assert response.status_code == 200
    return response.get_json()


def _call(client, site, staff, station=1) -> dict:
    answer = client.post(f"/api/v1/sites/{site['id']}/stations/{station}/call", headers=staff)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["ticket"]


def _move(client, ticket, op, staff, status=200) -> dict:
    answer = client.post(f"/api/v1/tickets/{ticket['id']}/{op}", headers=staff)
    assert answer.status_code == status, answer.get_json()
    return answer.get_json()


def test_a_new_site_takes_no_sample_without_a_tube(client, admin):
    created = client.post("/api/v1/sites", json={"id": "xin", "name": "新点", "stations": 1}, headers=admin)
    assert created.status_code == 201
    site = created.get_json()
    assert client.get("/api/v1/sites/xin/workflow", headers=admin).get_json()["require_tube"] is True
    staff_token = client.post("/api/v1/auth/staff", json={"site_id": "xin", "code": site["staff_code"]})
    staff = {"Authorization": f"Bearer {staff_token.get_json()['token']}"}
    client.post("/api/v1/sites/xin/tickets", json=person(1))
    ticket = _call(client, site, staff)
    refused = _move(client, ticket, "sampled", staff, status=409)
    assert refused["error"]["code"] == "no_open_tube"
    assert _move(client, ticket, "check-in", staff)["status"] == "called"  # nothing changed: still at the table
    assert client.post("/api/v1/sites/xin/stations/1/tube", json={"code": TUBE}, headers=staff).status_code == 201
    assert _move(client, ticket, "sampled", staff)["tube"] == TUBE


def test_require_tube_must_be_a_yes_or_no(client, admin):
    bad = client.post("/api/v1/sites", json={"id": "xin", "name": "新点", "stations": 1, "require_tube": "no"},
                      headers=admin)
    assert bad.status_code == 400 and bad.get_json()["error"]["fields"] == {"require_tube": "boolean"}
    assert client.get("/api/v1/sites/xin").status_code == 404


def test_samples_without_a_tube_are_counted_per_station(client, site, staff, admin, join):
    """The site does not require tubes: the sample is taken, and the dashboard shows it."""
    for seed in range(1, 4):
        join(seed)
    first = _call(client, site, staff, station=1)
    _move(client, first, "sampled", staff)
    assert client.post(f"/api/v1/sites/{site['id']}/stations/2/tube", json={"code": TUBE},
                       headers=staff).status_code == 201
    second = _call(client, site, staff, station=2)
    _move(client, second, "sampled", staff)
    third = _call(client, site, staff, station=1)
    _move(client, third, "sampled", staff)
    client.post(f"/api/v1/sites/{site['id']}/stations/1/tube", json={"code": "1000000002"}, headers=staff)
    stats = _stats(client, site, admin)
    assert [(s["number"], s["today"], s["untubed"]) for s in stats["stations"]] == [(1, 2, 2), (2, 1, 0)]
    assert stats["throughput"]["untubed"] == 2  # a tube opened afterwards holds neither swab


def test_serving_is_who_is_at_the_station_now(client, site, staff, admin, join):
    for seed in range(1, 4):
        join(seed)
    first = _call(client, site, staff)
    assert _stats(client, site, admin)["stations"][0]["serving_numbers"] == [first["number"]]
    _move(client, first, "sampled", staff)
    station = _stats(client, site, admin)["stations"][0]
    assert station["serving_numbers"] == [] and station["serving"] == 0  # sampled: nobody at the table
    second, third = _call(client, site, staff), _call(client, site, staff)  # one called ahead
    assert _stats(client, site, admin)["stations"][0]["serving_numbers"] == [second["number"], third["number"]]
    _move(client, second, "no-show", staff)
    assert _stats(client, site, admin)["stations"][0]["serving_numbers"] == [third["number"]]


def test_a_new_site_without_a_roster_has_one_calm_notice_not_an_alarm_per_station(client, site, staff, admin,
                                                                                   join):
    for seed in range(1, 6):
        join(seed)
    stats = _stats(client, site, admin)
    assert stats["notices"] == [{"kind": "no_roster"}]
    assert not [a for a in stats["alerts"] if a["kind"] == "understaffed"]

    # A medic checks in at station 1: the shift is rostered, and every short station says so.
    roster = [{"name": "王医生", "role": "medic"}]
    client.put(f"/api/v1/sites/{site['id']}/stations/1/roster", json={"people": roster}, headers=staff)
    stats = _stats(client, site, admin)
    assert stats["notices"] == []
    assert {a["id"] for a in stats["alerts"] if a["active"]} == {"understaffed:1", "understaffed:2"}
