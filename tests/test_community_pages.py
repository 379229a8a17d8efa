"""The community pages render for the people they are for, with personal data masked."""

from tests.community_support import make_community, make_site, roster, sweep_team

C = "/api/v1/communities/balicha"


def _community(client, admin):
    people = roster(buildings=2, rooms=1, per_room=2)
    make_site(client, admin, "s1")
    make_community(client, admin, ["s1"], rows=people)
    return people


def test_the_organizer_pages_show_the_community_and_its_report_masked(client, admin):
    people = _community(client, admin)
    team = sweep_team(client, admin)
    h = client.get(f"{C}/sweep", headers=team).get_json()["households"][0]
    client.post(f"{C}/households/{h['id']}/visits", json={"outcome": "no_answer", "note": "敲门三次"}, headers=team)
    client.post(f"{C}/rounds/1/close", json={"force": True, "reason": "截止"}, headers=admin)
    client.post("/api/v1/auth/organizer", json={"token": admin["Authorization"][7:]})
    page = client.get("/organizer/communities/balicha")
    assert page.status_code == 200 and "八里岔社区" in page.get_data(as_text=True)
    assert client.get("/organizer/communities").status_code == 200
    report = client.get("/organizer/communities/balicha/rounds/1/report").get_data(as_text=True)
    assert "敲门三次" in report and "截止" in report
    assert people[0]["name"] not in report and people[0]["phone"] not in report
    assert people[0]["name"][0] + "*" in report
    assert client.get("/organizer/communities/nope").status_code == 404


def test_the_report_page_shows_no_data_without_the_organizer(app, client, admin):
    people = _community(client, admin)
    page = app.test_client().get("/organizer/communities/balicha/rounds/1/report").get_data(as_text=True)
    assert "signin-form" in page and people[0]["name"][0] + "*" not in page


def test_the_sweep_page_and_a_buildings_notice(client, admin):
    _community(client, admin)
    assert 'id="signin"' in client.get("/sweep/balicha").get_data(as_text=True)
    slots = [{"site": "s1", "from": "08:00", "to": "08:30", "buildings": [{"compound": "小区1", "building": "2栋"}]}]
    client.put(f"{C}/callup", json={"slots": slots}, headers=admin)
    notice = client.get("/communities/balicha/notice", query_string={"compound": "小区1", "building": "2栋"})
    text = notice.get_data(as_text=True)
    assert notice.status_code == 200 and "08:00–08:30" in text and "/api/v1/sites/s1/qr.svg" in text
    assert client.get("/communities/balicha/notice?compound=小区1&building=9栋").status_code == 404
    assert 'id="callup"' in client.get("/s/s1").get_data(as_text=True)
    assert 'id="callup"' in client.get("/display/s1").get_data(as_text=True)
