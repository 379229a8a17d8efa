"""Call-up by building: slots at a site, shown as "called now", and the arrivals they forecast."""

from natqueue.community import callup
from natqueue.store.backend import Backend
from natqueue.web import close_app, create_app
from tests.community_support import make_community, make_site, roster, staff_of
from tests.conftest import ADMIN_TOKEN
from tests.stats_support import Clock, at

C = "/api/v1/communities/balicha"


def _app(redis_server, tmp_path, clock):
    return create_app({"TESTING": True, "REDIS_URL": redis_server.url, "NATQ_MESSAGE_QUEUE": "off",
                       "NATQ_ADMIN_TOKEN": ADMIN_TOKEN, "NATQ_DATA_DIR": str(tmp_path), "NATQ_CLOCK": clock})


SLOTS = [
    {"site": "s1", "from": "08:00", "to": "08:30",
     "buildings": [{"compound": "小区1", "building": "1栋"}, {"compound": "小区1", "building": "2栋"}]},
    {"site": "s1", "from": "08:30", "to": "09:30", "buildings": [{"compound": "小区1", "building": "3栋"}]},
    {"site": "s2", "from": "08:00", "to": "09:00", "buildings": [{"compound": "小区1", "building": "4栋"}]},
]


def test_the_site_shows_the_buildings_called_now_and_next(redis_server, redis_client, tmp_path, admin):
    clock = Clock(at("08:10"))
    app = _app(redis_server, tmp_path, clock)
    try:
        client = app.test_client()
        site = make_site(client, admin, "s1")
        make_site(client, admin, "s2")
        make_community(client, admin, ["s1", "s2"], rows=roster(buildings=4, rooms=3, per_room=2))
        response = client.put(f"{C}/callup", json={"slots": SLOTS}, headers=admin)
        assert response.status_code == 200, response.get_json()
        shown = client.get("/api/v1/sites/s1/callup").get_json()  # public: the resident page reads it
        assert [s["label"] for s in shown["now"]] == ["小区1 1栋、2栋"]
        assert [s["label"] for s in shown["next"]] == ["小区1 3栋"]
        clock.set("08:45")
        assert [s["label"] for s in client.get("/api/v1/sites/s1/callup").get_json()["now"]] == ["小区1 3栋"]
        forecast = client.get("/api/v1/sites/s1/arrival-forecast", headers=staff_of(client, site)).get_json()
        assert forecast["slots"] == [{"from": "08:00", "to": "08:30", "people": 12, "per_hour": 24.0},
                                     {"from": "08:30", "to": "09:30", "people": 6, "per_hour": 6.0}]
        assert callup.arrival_forecast(Backend(redis_client), "s2")[0]["per_hour"] == 6.0
    finally:
        close_app(app)


def test_a_slot_must_name_member_sites_real_times_and_buildings_on_the_roster(client, admin):
    make_site(client, admin, "s1")
    make_site(client, admin, "outside")
    make_community(client, admin, ["s1"], rows=roster(buildings=1, rooms=1, per_room=1))
    bad = [{"site": "outside", "from": "8:00", "to": "08:30", "buildings": [{"compound": "小区1", "building": "9栋"}]},
           {"site": "s1", "from": "09:00", "to": "08:30", "buildings": []}]
    response = client.put(f"{C}/callup", json={"slots": bad}, headers=admin)
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {
        "slots.0.site": "not_in_community", "slots.0.from": "hh_mm", "slots.0.buildings.0": "not_on_roster",
        "slots.1.to": "after_from", "slots.1.buildings": "required"}
    assert client.get(f"{C}/callup", headers=admin).get_json()["slots"] == []


def test_a_knock_for_a_home_visit_goes_to_the_site_the_building_is_called_to(client, admin):
    make_site(client, admin, "s1")
    make_site(client, admin, "s2")
    make_community(client, admin, ["s1", "s2"], rows=roster(buildings=4, rooms=1, per_room=1))
    client.put(f"{C}/callup", json={"slots": SLOTS}, headers=admin)
    h = client.get(f"{C}/sweep", query_string={"building": "4栋"}, headers=admin).get_json()["households"][0]
    response = client.post(f"{C}/households/{h['id']}/visits", json={"outcome": "home_sample"}, headers=admin)
    assert [x["site"] for x in response.get_json()["home"]] == ["s2"]


def test_a_plan_of_a_live_site_expects_the_buildings_called_to_it(redis_server, redis_client, tmp_path, admin):
    clock = Clock(at("08:10"))
    app = _app(redis_server, tmp_path, clock)
    try:
        client = app.test_client()
        make_site(client, admin, "s1")
        make_site(client, admin, "s2")
        make_community(client, admin, ["s1", "s2"], rows=roster(buildings=4, rooms=3, per_room=2))
        client.put(f"{C}/callup", json={"slots": SLOTS}, headers=admin)
        plan = client.post("/api/v1/plan", json={"site": "s1"}, headers=admin).get_json()
        assert plan["based_on"]["arrivals"] == "callup"
        # 1栋 and 2栋 (12 people) until 08:30, then 3栋 (6): what the stations will see.
        arrived = sum(b["arrivals"] for b in plan["by_15min"])
        assert 10 <= arrived <= 26
        own = client.post("/api/v1/plan", json={"site": "s1", "arrivals": []}, headers=admin).get_json()
        assert "arrivals" not in own["based_on"]
    finally:
        close_app(app)
