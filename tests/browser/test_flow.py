"""The sampling workflow in a real browser: the scan field, a full tube, and family tickets on a phone."""

import pytest

from tests.browser.conftest import fill_join_form, open_console
from tests.conftest import make_id_number

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None

TUBE = "1000000001"


def young(seed: int) -> dict:
    return {"name": f"居民{seed}", "phone": f"139{seed:08d}", "id_number": make_id_number(seed, birth="19900101")}


@pytest.mark.browser
def test_cadre_scans_codes_samples_ten_and_is_told_to_change_the_tube(open_page, api, make_site, screenshot):
    site = make_site()
    page = open_console(open_page, site)
    expect(page.locator("#console")).to_be_visible()
    scan = page.locator("#scan")
    expect(scan).to_be_focused()

    # A USB scanner types the tube's barcode and presses Enter.
    page.keyboard.type(TUBE)
    page.keyboard.press("Enter")
    expect(page.locator("#tube-status")).to_contain_text(f"{TUBE}：0 / 10")

    for seed in range(1, 11):
        person = young(seed)
        ticket = api.ok("POST", f"/api/v1/sites/{site['id']}/tickets", person, status=201)
        expect(page.locator("#next-list")).to_contain_text(ticket["number"])
        page.keyboard.press("n")  # the empty scan field still takes the shortcut keys
        expect(page.locator("#current-number")).to_have_text(ticket["number"])
        expect(scan).to_be_focused()
        page.keyboard.type(ticket["code"])
        page.keyboard.press("Enter")
        result = page.locator("#scan-result")
        expect(result).to_contain_text(ticket["number"])
        expect(result).to_contain_text(person["name"])
        expect(result).to_contain_text("1101**********" + person["id_number"][-4:])
        expect(result).not_to_contain_text(person["id_number"])
        if seed == 10:
            screenshot(page, "station-scan.png")
        page.keyboard.press("s")
        expect(page.locator("#current-number")).to_have_text("—")
        if seed < 10:
            expect(page.locator("#tube-status")).to_contain_text(f"{seed} / 10")
        holder = {"X-Ticket-Token": ticket["token"]}
        sampled = api.ok("GET", f"/api/v1/tickets/{ticket['id']}", headers=holder)
        assert (sampled["status"], sampled["tube"], sampled["tube_position"]) == ("sampled", TUBE, seed)

    expect(page.locator("#tube-full")).to_be_visible()
    expect(page.locator("#tube-full-text")).to_have_text("10 人满，请换管")
    expect(page.locator("#tube-status")).to_contain_text("没有打开的试管")
    screenshot(page, "station-tube-full.png")
    page.locator("#tube-full-ok").click()
    expect(page.locator("#tube-full")).to_be_hidden()
    expect(scan).to_be_focused()


@pytest.mark.browser
def test_a_phone_joins_for_a_family_and_shows_each_code(open_page, make_site, screenshot):
    site = make_site()
    page = open_page("phone", f"/s/{site['id']}")
    me = young(1)
    fill_join_form(page, me)
    page.click("#add-member")
    page.fill(".member [name=member_name]", "张小明")
    page.fill(".member [name=member_id]", make_id_number(2, birth="20180101"))
    page.check("#join-form [name=remember]")  # kept for the next round: the resident's choice
    page.click("#join-button")
    expect(page.locator("#ticket-number")).to_have_text("A001")
    expect(page.locator("#ticket-qr")).to_be_visible()
    expect(page.locator("#family")).to_be_visible()
    expect(page.locator("#family-list")).to_contain_text("A002")
    expect(page.locator("#family-list")).to_contain_text("张小明")
    # Both QR images really load (the holder's token is in their URL).
    page.wait_for_function("() => document.getElementById('ticket-qr').naturalWidth > 0")
    page.wait_for_function("() => document.querySelector('#family-list img').naturalWidth > 0")
    page.locator("#family").scroll_into_view_if_needed()
    screenshot(page, "resident-family.png")

    # The member's own phone, sent the ticket on purpose from the family card, holds it too.
    # (The phone's share sheet, stood in for: it hands over what the page gives it.)
    page.evaluate("navigator.share = (d) => { window.__shared = d; return Promise.resolve(); }")
    page.locator("#family-list .share").click()
    link = page.evaluate("window.__shared.url")
    assert "#t=" in link and "&k=" in link
    theirs = open_page("phone", link[link.index("/s/"):])
    expect(theirs.locator("#ticket-number")).to_have_text("A002")
    expect(theirs.locator("#leave-button")).to_be_visible()  # theirs to cancel
    assert "k=" not in theirs.url  # kept on that phone, gone from its address

    # The next round on the same phone: both people, kept with consent, one tap.
    page.evaluate("id => localStorage.removeItem('natq:ticket:' + id)", site["id"])
    page.goto(f"/s/{site['id']}")
    expect(page.locator("#quick-people")).to_contain_text(me["name"])
    expect(page.locator("#quick-people")).to_contain_text("张小明")
    page.click("#quick-edit")
    expect(page.locator("#join-form [name=name]")).to_have_value(me["name"])
    expect(page.locator(".member [name=member_name]")).to_have_value("张小明")


@pytest.mark.browser
def test_home_team_samples_a_visit_and_the_organizer_traces_the_tube(open_page, api, make_site, screenshot):
    from tests.browser.conftest import ADMIN_TOKEN, staff_headers

    site = make_site()
    staff = staff_headers(api, site)
    visit = {**young(7), "address": "八里岔社区 3 栋 2 单元 101", "reason": "卧床"}
    api.ok("POST", f"/api/v1/sites/{site['id']}/home", visit, headers=staff, status=201)

    team = open_page("phone", f"/home/{site['id']}/1")
    team.fill("[name=code]", site["staff_code"])
    team.keyboard.press("Enter")
    expect(team.locator("#home-list")).to_contain_text(visit["address"])
    expect(team.locator("#home-list")).not_to_contain_text(visit["id_number"])
    team.fill("#medic-form [name=medic]", "赵护士")
    team.locator("#medic-form button").click()
    team.fill("#tube-code", "200000000002")
    team.keyboard.press("Enter")
    expect(team.locator("#tube-status")).to_contain_text("200000000002：0 / 10")
    team.get_by_role("button", name="已采样").click()
    expect(team.locator("#home-list")).to_contain_text("名单上没有人")
    expect(team.locator("#tube-status")).to_contain_text("1 / 10")

    org = open_page("laptop", f"/organizer/sites/{site['id']}/rounds")
    org.fill("[name=token]", ADMIN_TOKEN)
    org.keyboard.press("Enter")
    expect(org.locator("#rounds")).to_contain_text("1")
    expect(org.locator("#settings-form [name=tube_capacity]")).to_have_value("10")
    org.fill("#org-name", "王主任")
    org.fill("#trace-form [name=code]", "200000000002")
    org.keyboard.press("Enter")
    expect(org.locator("#trace")).to_contain_text(visit["id_number"])  # a trace is unmasked, for the organizer
    expect(org.locator("#trace")).to_contain_text(visit["phone"])
    expect(org.locator("#trace")).to_contain_text("上门采样 1 组")  # the team, as its page names it
    expect(org.locator("#trace")).to_contain_text("管内位置")  # the columns have headings
    expect(org.locator("#trace")).to_contain_text("赵护士")
    expect(org.locator("#audit")).to_contain_text("管理员 王主任")
    expect(org.locator("#audit")).to_contain_text("追踪 200000000002")  # in Chinese, not the server's keys
    expect(org.locator("#audit")).not_to_contain_text("organizer")
    screenshot(org, "organizer-trace.png")


@pytest.mark.browser
def test_people_ahead_follow_the_lanes_live(open_page, api, make_site):
    """A phone counts its own "ahead" from site events; with lanes it must agree with the server."""
    from tests.browser.conftest import staff_headers

    site = make_site()
    staff = staff_headers(api, site)
    join = f"/api/v1/sites/{site['id']}/tickets"
    old = {"name": "老人", "phone": "13900000099", "id_number": make_id_number(99, birth="19400101")}
    for seed in (1, 2):
        api.ok("POST", join, young(seed), status=201)
    api.ok("POST", join, old, status=201)

    page = open_page("phone", f"/s/{site['id']}")
    me = young(3)
    fill_join_form(page, me)
    page.click("#join-button")
    expect(page.locator("#ticket-ahead")).to_have_text("3")
    ticket_id = page.evaluate("decodeURIComponent(/#t=([^&]+)/.exec(location.hash)[1])")

    # Joins after mine, a yellow-code resident elsewhere, a priority call, a lane change, a regular call.
    api.ok("POST", join, young(4), status=201)
    yellow = api.ok("POST", join, {**young(5), "yellow_code": True}, status=201)
    api.ok("POST", f"/api/v1/sites/{site['id']}/stations/1/call", headers=staff)  # the priority ticket
    expect(page.locator("#ticket-ahead")).to_have_text("2")
    first = api.ok("GET", f"/api/v1/sites/{site['id']}/stations/1", headers=staff)["next"][0]
    api.ok("POST", f"/api/v1/tickets/{first['id']}/flags", {"single": "yellow_code"}, headers=staff)
    expect(page.locator("#ticket-ahead")).to_have_text("1")  # moved to the single-tube group
    api.ok("POST", f"/api/v1/tickets/{yellow['id']}/flags", {"single": ""}, headers=staff)  # joined after me
    api.ok("POST", f"/api/v1/sites/{site['id']}/stations/1/call", headers=staff)
    expect(page.locator("#ticket-ahead")).to_have_text("0")
    assert api.ok("GET", f"/api/v1/tickets/{ticket_id}", headers=staff)["ahead"] == 0


@pytest.mark.browser
def test_a_walk_in_gets_a_big_printable_ticket(open_page, api, make_site, screenshot):
    site = make_site()
    page = open_console(open_page, site)
    expect(page.locator("#scan")).to_be_focused()
    phone_join = api.ok("POST", f"/api/v1/sites/{site['id']}/tickets", young(1), status=201)

    # An ID card reader types the number: nobody holds a ticket for it, so the walk-in form opens.
    number = make_id_number(2, birth="19460101")
    page.keyboard.type(number)
    page.keyboard.press("Enter")
    expect(page.locator("#walkin-form [name=id_number]")).to_have_value(number)
    expect(page.locator("#walkin-form [name=name]")).to_be_focused()
    page.keyboard.type("王奶奶")
    page.locator("#walkin-form button[type=submit]").click()
    expect(page.locator("#slip")).to_be_visible()
    expect(page.locator("#slip-number")).to_have_text("A002")
    expect(page.locator("#slip-line")).not_to_contain_text(number)
    screenshot(page, "station-walk-in.png")

    page.emulate_media(media="print")  # what the receipt printer gets: the slip alone
    expect(page.locator("#slip-number")).to_be_visible()
    expect(page.locator("#btn-call")).to_be_hidden()
    expect(page.locator("#slip-print")).to_be_hidden()
    page.emulate_media(media="screen")

    # Born in 1946: the priority lane, called before the earlier phone join.
    page.locator("#slip-close").click()
    page.keyboard.press("n")
    expect(page.locator("#current-number")).to_have_text("A002")
    page.keyboard.press("s")
    expect(page.locator("#current-number")).to_have_text("—")
    page.keyboard.press("n")
    expect(page.locator("#current-number")).to_have_text(phone_join["number"])
