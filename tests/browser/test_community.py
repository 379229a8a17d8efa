"""A community in a real Chromium: the sweep team's phone at 360 px, and the organizer's grid
turning green as a scripted morning samples a building's residents."""

import json
import urllib.parse
import urllib.request
import uuid

import pytest

from tests.browser.conftest import ADMIN_TOKEN, staff_headers
from tests.community_support import roster, to_csv

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
NARROW_PHONE = {"width": 360, "height": 740}


def _community(api, live_server, make_site, people):
    """A site and a community with ``people`` on its roster; returns (site, community id, sweep code)."""
    site = make_site(stations=2)
    cid = f"c-{uuid.uuid4().hex[:8]}"
    api.ok("POST", "/api/v1/communities", {"id": cid, "name": "八里岔社区", "sites": [site["id"]]}, headers=ADMIN,
           status=201)
    request = urllib.request.Request(f"{live_server.url}/api/v1/communities/{cid}/roster", data=to_csv(people),
                                     method="PUT", headers={**ADMIN, "Content-Type": "text/csv"})
    with urllib.request.urlopen(request, timeout=10) as res:
        assert json.loads(res.read())["added"] == len(people)
    code = api.ok("POST", f"/api/v1/communities/{cid}/sweep-code", headers=ADMIN)["code"]
    return site, cid, code


def _sweep_phone(open_page, cid, code):
    page = open_page("phone")
    page.set_viewport_size(NARROW_PHONE)
    page.goto(f"/sweep/{cid}")
    page.fill("input[name=code]", code)
    page.fill("input[name=team]", "扫楼队3")
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#console")).to_be_visible()
    return page


@pytest.mark.browser
def test_the_sweep_phone_at_360px_keeps_knocks_offline_and_sends_each_once(open_page, api, live_server, make_site,
                                                                           screenshot):
    people = roster(buildings=2, rooms=3, per_room=2)
    _site, cid, code = _community(api, live_server, make_site, people)
    page = _sweep_phone(open_page, cid, code)
    page.click('#buildings button[data-building="2栋"]')
    doors = page.locator("#doors .door")
    expect(doors).to_have_count(3)
    first = doors.first
    expect(first.locator(".who").first).to_contain_text(people[6]["name"][0] + "*")
    assert people[6]["name"] not in page.content() and people[6]["id_number"] not in page.content()
    # Nothing wider than the phone, and buttons a gloved thumb can hit.
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW_PHONE["width"]
    assert first.locator('[data-outcome="no_answer"]').bounding_box()["height"] >= 44
    screenshot(page, "sweep-phone.png")

    page.context.set_offline(True)  # a stairwell
    first.locator('[data-outcome="no_answer"]').click()
    doors.nth(1).locator(".who button").first.click()
    page.select_option(".exempt-form select[name=reason]", "hospital")
    page.click(".exempt-form button[type=submit]")
    expect(page.locator("#outbox")).to_contain_text("2")
    expect(first.locator(".visits")).to_contain_text("无人应答")
    page.context.set_offline(False)
    expect(page.locator("#outbox")).to_be_hidden(timeout=20_000)

    query = urllib.parse.urlencode({"compound": "小区1", "building": "2栋", "all": "1"})
    found = api.ok("GET", f"/api/v1/communities/{cid}/sweep?{query}", headers=ADMIN)
    visits = [v for h in found["households"] for v in h["visits"]]
    assert [(v["outcome"], v["team"]) for v in visits] == [("no_answer", "扫楼队3")]  # sent once
    assert sum(p["status"] == "exempt" for h in found["households"] for p in h["people"]) == 1


@pytest.mark.browser
def test_a_knock_cut_off_survives_a_reload_and_is_sent_once(open_page, api, live_server, make_site):
    people = roster(buildings=1, rooms=1, per_room=1)
    _site, cid, code = _community(api, live_server, make_site, people)
    page = _sweep_phone(open_page, cid, code)
    page.click('#buildings button[data-building="1栋"]')
    page.route("**/visits", lambda route: route.abort())  # the request never reaches the server
    page.locator('#doors [data-outcome="away"]').click()
    expect(page.locator("#outbox")).to_contain_text("1")
    page.unroute("**/visits")
    page.reload()
    expect(page.locator("#outbox")).to_be_hidden(timeout=20_000)
    found = api.ok("GET", f"/api/v1/communities/{cid}/sweep?all=1", headers=ADMIN)
    assert [v["outcome"] for h in found["households"] for v in h["visits"]] == ["away"]


@pytest.mark.browser
def test_the_organizers_grid_turns_green_as_the_morning_samples_a_building(open_page, api, live_server,
                                                                           make_site, screenshot):
    people = roster(buildings=3, rooms=2, per_room=2)  # 4 people per building
    site, cid, _code = _community(api, live_server, make_site, people)
    staff = staff_headers(api, site)
    page = open_page("laptop", f"/organizer/communities/{cid}")
    page.fill("input[name=token]", ADMIN_TOKEN)
    page.click("#signin-form button[type=submit]")
    expect(page.locator("body")).to_have_attribute("data-live", "1")
    tile = page.locator('#grid .bld[data-building="1栋"]')
    expect(tile).to_have_attribute("data-state", "none")
    for i, r in enumerate(people[:4]):  # building 1, one resident after another, no reload
        api.ok("POST", f"/api/v1/sites/{site['id']}/tickets",
               {"name": r["name"], "phone": r["phone"], "id_number": r["id_number"]}, status=201)
        ticket = api.ok("POST", f"/api/v1/sites/{site['id']}/stations/1/call", headers=staff)["ticket"]
        api.ok("POST", f"/api/v1/tickets/{ticket['id']}/sampled", headers=staff)
        if i == 1:
            expect(tile).to_have_attribute("data-state", "mid")
    expect(tile).to_have_attribute("data-state", "full")
    expect(tile).to_have_css("background-color", "rgb(21, 128, 61)")  # green
    expect(page.locator('#grid .bld[data-building="2栋"]')).to_have_attribute("data-state", "none")
    expect(page.locator('[data-kpi="tested"] strong')).to_have_text("4")
    screenshot(page, "community-coverage.png")


@pytest.mark.browser
def test_an_exemption_being_typed_survives_the_list_moving_under_it(open_page, api, live_server, make_site):
    people = roster(buildings=1, rooms=2, per_room=1)  # 101: people[0], 102: people[1]
    site, cid, code = _community(api, live_server, make_site, people)
    page = _sweep_phone(open_page, cid, code)
    page.click('#buildings button[data-building="1栋"]')
    expect(page.locator("#doors .door")).to_have_count(2)
    page.locator('#doors .door').nth(1).locator(".who button").click()
    page.select_option(".exempt-form select[name=reason]", "other")
    page.fill(".exempt-form input[name=note]", "在外地工作")
    # Meanwhile room 101 is sampled at the site: the list drops that door.
    staff = staff_headers(api, site)
    api.ok("POST", f"/api/v1/sites/{site['id']}/tickets",
           {"name": people[0]["name"], "phone": people[0]["phone"], "id_number": people[0]["id_number"]}, status=201)
    ticket = api.ok("POST", f"/api/v1/sites/{site['id']}/stations/1/call", headers=staff)["ticket"]
    api.ok("POST", f"/api/v1/tickets/{ticket['id']}/sampled", headers=staff)
    expect(page.locator("#doors .door")).to_have_count(1)
    expect(page.locator(".exempt-form input[name=note]")).to_have_value("在外地工作")
    page.click(".exempt-form button[type=submit]")
    expect(page.locator("#outbox")).to_be_hidden(timeout=20_000)
    found = api.ok("GET", f"/api/v1/communities/{cid}/coverage", headers=ADMIN)["totals"]
    assert (found["tested"], found["exempt"]) == (1, 1)


@pytest.mark.browser
def test_the_organizer_finds_the_community_and_adds_to_its_roster_from_the_page(open_page, api, live_server,
                                                                              make_site, tmp_path):
    people = roster(buildings=1, rooms=1, per_room=2)
    _site, cid, _code = _community(api, live_server, make_site, people)
    page = open_page("laptop", "/organizer/communities?lang=en")
    page.fill("input[name=token]", ADMIN_TOKEN)
    page.click("#signin-form button[type=submit]")
    page.get_by_role("link", name=f"八里岔社区 ({cid})").click()

    more = tmp_path / "roster.csv"  # two more people, in a building not on the roster yet
    more.write_bytes(to_csv(roster(buildings=2, rooms=1, per_room=2, start=500)[2:]))
    page.set_input_files("#roster-form input[name=file]", str(more))
    page.click("#roster-form button[type=submit]")
    expect(page.locator("#roster-result")).to_contain_text("2 added")
    expect(page.locator('#grid .bld[data-building="2栋"]')).to_be_visible()
    assert api.ok("GET", f"/api/v1/communities/{cid}/coverage", headers=ADMIN)["totals"]["people"] == 4
