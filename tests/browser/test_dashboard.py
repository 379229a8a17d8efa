"""The organizer's dashboard, the calling screen and the poster in a real Chromium."""

import re

import pytest

from tests.browser.conftest import ADMIN_TOKEN, staff_headers
from tests.conftest import person

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None

TV = {"width": 1280, "height": 720}
A4 = {"width": 794, "height": 1123}  # 210 x 297 mm at 96 CSS px per inch


def _sample(api, site, staff, station=1):
    ticket = api.ok("POST", f"/api/v1/sites/{site['id']}/stations/{station}/call", headers=staff)["ticket"]
    api.ok("POST", f"/api/v1/tickets/{ticket['id']}/check-in", headers=staff)
    api.ok("POST", f"/api/v1/tickets/{ticket['id']}/sampled", headers=staff)
    return ticket


def _sign_in_organizer(page, path):
    page.goto(path)
    page.fill("input[name=token]", ADMIN_TOKEN)
    page.click("#organizer-form button[type=submit]")


def _organizer_page(page, path):
    """Signed in on an organizer page whose forms are ready to answer."""
    _sign_in_organizer(page, path)
    expect(page.locator("body")).to_have_attribute("data-ready", "1")


@pytest.mark.browser
def test_dashboard_updates_live_when_a_station_samples(open_page, api, make_site, screenshot):
    site = make_site(stations=3)
    staff = staff_headers(api, site)
    roster = [{"name": n, "role": r} for n, r in [("王医生", "medic"), ("李干部", "cadre"), ("张干部", "cadre"),
                                                  ("赵师傅", "worker_entry"), ("钱师傅", "worker_order")]]
    api.ok("PUT", f"/api/v1/sites/{site['id']}/stations/1/roster", {"people": roster}, headers=staff)
    for seed in range(12):
        api.ok("POST", f"/api/v1/sites/{site['id']}/tickets", person(200 + seed), status=201)
    api.ok("POST", f"/api/v1/sites/{site['id']}/stations/3/status", {"status": "paused", "reason": "disinfection"},
           headers=staff)

    page = open_page("laptop")
    _sign_in_organizer(page, f"/dashboard?site={site['id']}")
    card = page.locator(f".dash-site[data-site=\"{site['id']}\"]")
    expect(card.locator('[data-f="today"]')).to_have_text("0")
    expect(card.locator('[data-f="waiting"]')).to_have_text("12")

    _sample(api, site, staff)  # no reload, no polling: the push brings it
    expect(card.locator('[data-f="today"]')).to_have_text("1")
    expect(card.locator('[data-f="waiting"]')).to_have_text("11")
    expect(card.locator('tr[data-station="1"] .today')).to_have_text("1")
    expect(card.locator('tr[data-station="1"] .untubed')).to_have_text("1")  # the site samples without tubes
    expect(card.locator('tr[data-station="1"] .untubed')).to_have_class("untubed bad")
    _sample(api, site, staff, station=2)
    expect(card.locator('[data-f="today"]')).to_have_text("2")
    expect(card.locator('tr[data-station="3"] .status')).to_contain_text("消毒")
    expect(card.locator('li[data-alert="paused:3"]')).to_be_visible()
    expect(card.locator("tr[data-station=\"2\"] .role.gap").first).to_be_visible()  # nobody checked in there
    expect(card.locator('li[data-alert="understaffed:2"]')).to_contain_text(  # the 1+2+4 order
        "采样医生 −1, 录入干部 −2, 录入协助 −2, 秩序维护 −2")
    api.ok("POST", f"/api/v1/sites/{site['id']}/stations/1/call", headers=staff)
    page.set_viewport_size({"width": 1280, "height": 1300})  # figures, stations and charts in one picture
    expect(card.locator('tr[data-station="1"] td').nth(2)).to_have_text("A003")
    screenshot(page, "dashboard.png")

    card.locator('li[data-alert="paused:3"] button').click()
    expect(card.locator('li[data-alert="paused:3"]')).to_contain_text("已确认")
    expect(card.locator('li[data-alert="paused:3"]')).to_contain_text("3 号采样台暂停中（消毒），还有人在等")
    api.ok("POST", f"/api/v1/sites/{site['id']}/stations/2/status", {"status": "paused"}, headers=staff)
    expect(card.locator('li[data-alert="paused:2"]')).to_have_text(re.compile("^2 号采样台暂停中，还有人在等"))


@pytest.mark.browser
def test_a_site_created_while_the_dashboard_is_open_appears_on_it(open_page, make_site):
    first = make_site()
    page = open_page("laptop")
    _sign_in_organizer(page, "/dashboard")
    expect(page.locator(f".dash-site[data-site=\"{first['id']}\"]")).to_be_visible()
    later = make_site()
    expect(page.locator(f".dash-site[data-site=\"{later['id']}\"]")).to_be_visible()


@pytest.mark.browser
def test_dashboard_refuses_without_sign_in(open_page, live_server):
    page = open_page("laptop", "/dashboard")
    expect(page.locator("#organizer-form")).to_be_visible()
    page.fill("input[name=token]", "wrong")
    page.click("#organizer-form button[type=submit]")
    expect(page.locator("#organizer-error")).to_be_visible()


def _calling_screen(open_page, site):
    """The site's calling screen on a TV-sized laptop window."""
    page = open_page("laptop")
    page.set_viewport_size(TV)
    page.goto(f"/display/{site['id']}")
    return page


@pytest.mark.browser
def test_calling_screen_shows_and_announces_a_call(open_page, api, make_site, screenshot):
    site = make_site()
    staff = staff_headers(api, site)
    tickets = [api.ok("POST", f"/api/v1/sites/{site['id']}/tickets", person(300 + k), status=201) for k in range(5)]
    page = _calling_screen(open_page, site)
    expect(page.locator("#d-waiting")).to_have_text("5")
    expect(page.locator("body")).to_have_attribute("data-live", "1")  # in the site's room
    expect(page.locator("#d-next")).to_contain_text(tickets[0]["number"])

    api.ok("POST", f"/api/v1/sites/{site['id']}/stations/2/call", headers=staff)
    station2 = page.locator('#d-stations li[data-station="2"] .num')
    expect(station2).to_have_text(tickets[0]["number"])
    expect(page.locator("body")).to_have_attribute("data-announced", f"请 {tickets[0]['number']} 号到 2 号采样台")
    expect(page.locator("#d-recent")).to_contain_text(tickets[0]["number"])
    assert person(300)["name"] not in page.content()  # numbers only, never names

    api.ok("POST", f"/api/v1/tickets/{tickets[0]['id']}/recall", headers=staff)
    expect(page.locator("body")).to_have_attribute("data-announcements", "2")  # said again on recall

    api.ok("POST", f"/api/v1/sites/{site['id']}/stations/1/call", headers=staff)
    expect(page.locator('#d-stations li[data-station="1"] .num')).to_have_text(tickets[1]["number"])
    api.ok("POST", f"/api/v1/sites/{site['id']}/stations/1/status", {"status": "paused", "reason": "meal"},
           headers=staff)
    expect(page.locator('#d-stations li[data-station="1"] .state')).to_contain_text("用餐")
    screenshot(page, "calling-screen.png")


@pytest.mark.browser
def test_a_calling_screen_back_from_a_network_cut_says_the_call_it_missed(open_page, api, make_site):
    site = make_site()
    staff = staff_headers(api, site)
    tickets = [api.ok("POST", f"/api/v1/sites/{site['id']}/tickets", person(320 + k), status=201) for k in range(2)]
    page = _calling_screen(open_page, site)
    expect(page.locator("body")).to_have_attribute("data-live", "1")
    page.context.set_offline(True)
    expect(page.locator("#offline")).to_be_visible(timeout=40_000)
    api.ok("POST", f"/api/v1/sites/{site['id']}/stations/2/call", headers=staff)
    page.context.set_offline(False)
    expect(page.locator("body")).to_have_attribute("data-announced", f"请 {tickets[0]['number']} 号到 2 号采样台",
                                                   timeout=20_000)
    expect(page.locator('#d-stations li[data-station="2"] .num')).to_have_text(tickets[0]["number"])


@pytest.mark.browser
def test_poster_qr_is_large_enough(open_page, make_site, screenshot):
    site = make_site()
    page = open_page("laptop")
    page.set_viewport_size(A4)
    page.goto(f"/sites/{site['id']}/poster")
    expect(page.locator(".call")).to_have_text("扫码排队")
    # This run listens on 127.0.0.1: on screen, in red, the poster says no phone can open it, and how to fix it.
    warning = page.locator("#qr-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("HOST=0.0.0.0 NATQ_PUBLIC_URL=http://")
    assert page.locator(".qr-warning-title").evaluate("e => getComputedStyle(e).color") == "rgb(185, 28, 28)"
    page.emulate_media(media="print")
    expect(warning).to_be_hidden()  # the printed poster goes on a wall
    width_px = page.locator("img.qr").evaluate("img => img.getBoundingClientRect().width")
    assert width_px / 96 * 2.54 >= 14, "the QR code must be about 15 cm wide to scan from 1.5 m"
    assert page.locator("img.qr").evaluate("img => img.complete && img.naturalWidth > 0")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1, "the poster prints on one A4 sheet"
    screenshot(page, "poster.png")  # as printed
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1000, "height": 700})
    screenshot(page, "poster-loopback-warning.png")


@pytest.mark.browser
def test_station_console_roster_and_pause_reason(open_page, api, make_site):
    site = make_site()
    page = open_page("laptop", f"/station/{site['id']}/1")
    page.fill("input[name=code]", site["staff_code"])
    page.keyboard.press("Enter")
    page.click('[data-tab="station"]')
    expect(page.locator("[data-roster]")).to_be_visible()
    gaps = page.locator("[data-roster] .roster-gaps")
    expect(gaps).to_contain_text("采样医生 −1, 录入干部 −2, 录入协助 −2, 秩序维护 −2")  # the 1+2+4 order
    page.fill("[data-roster] .roster-add input[name=name]", "王医生")
    page.select_option("[data-roster] .roster-add select[name=role]", "medic")
    page.click("[data-roster] .roster-add button[type=submit]")
    expect(page.locator("[data-roster] .roster-people")).to_contain_text("王医生")
    expect(page.locator("[data-roster] .roster-gaps")).not_to_contain_text("采样医生")
    roster = api.ok("GET", f"/api/v1/sites/{site['id']}/stations/1/roster", headers=staff_headers(api, site))
    assert [(p["name"], p["role"]) for p in roster["people"]] == [("王医生", "medic")]

    page.click('[data-reason="ppe_change"]')
    expect(page.locator("#station-status")).to_have_text("暂停")
    board = api.ok("GET", f"/api/v1/sites/{site['id']}/board")
    assert (board["stations"][0]["status"], board["stations"][0]["reason"]) == ("paused", "ppe_change")

    page.locator("[data-roster] .roster-people button").first.click()  # check out
    expect(page.locator("[data-roster] .roster-people")).not_to_contain_text("王医生")
    history = api.ok("GET", f"/api/v1/sites/{site['id']}/stations/1/roster", headers=staff_headers(api, site))
    assert [(h["name"], h["move"]) for h in history["history"]] == [("王医生", "out"), ("王医生", "in")]


@pytest.mark.browser
def test_organizer_creates_and_edits_a_site(open_page, api, live_server):
    page = open_page("laptop")
    _organizer_page(page, "/organizer/sites")
    expect(page.locator("#qr-warning")).to_contain_text("HOST=0.0.0.0")  # this run: 127.0.0.1
    page.fill("#create-site input[name=id]", "b-dongmen")
    page.fill("#create-site input[name=name]", "东门广场")
    page.fill("#create-site input[name=stations]", "2")
    page.click("#create-site button[type=submit]")
    expect(page.locator("#created")).to_be_visible()
    code = page.locator("#created-code").inner_text()
    assert len(code) == 8 and code.isdigit()
    page.click("#created-link")
    page.fill("#site-settings input[name=opens]", "07:30")
    page.fill("#site-settings input[name=stations]", "3")
    page.fill("#site-settings input[name='standard.worker_order']", "1")
    page.click("#site-settings button[type=submit]")
    expect(page.locator("#saved")).to_be_visible()
    site = api.ok("GET", "/api/v1/sites/b-dongmen")
    assert [s["status"] for s in site["stations"]] == ["open", "open", "closed"]
    settings = api.ok("GET", "/api/v1/sites/b-dongmen/settings", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert settings["opens"] == "07:30" and settings["standard"]["worker_order"] == 1

    box = page.locator('[data-roster][data-station="2"]')
    box.locator("input[name=name]").fill("孙医生")
    box.locator("button[type=submit]").click()
    expect(box.locator(".roster-people")).to_contain_text("孙医生")

    page.reload()  # the new station's box
    box = page.locator('[data-roster][data-station="3"]')
    with page.expect_response(lambda r: r.url.endswith("/stations/3/status")) as opened:
        box.locator('[data-set-status="open"]').click()
    assert opened.value.status == 200
    with page.expect_response(lambda r: r.url.endswith("/stations/3/status")) as paused:
        box.locator('[data-reason="meal"]').click()
    assert paused.value.status == 200
    station3 = api.ok("GET", "/api/v1/sites/b-dongmen/board")["stations"][2]
    assert (station3["status"], station3["reason"]) == ("paused", "meal")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#rotate")
    expect(page.locator("#new-code")).to_be_visible()
    assert api.request("POST", "/api/v1/auth/staff", {"site_id": "b-dongmen", "code": code})[0] == 403


@pytest.mark.browser
def test_a_refused_setting_is_named_in_words_not_codes(open_page, make_site):
    site = make_site()
    page = open_page("laptop")
    _organizer_page(page, f"/organizer/sites/{site['id']}")
    page.fill("#site-settings input[name=band_busy_min]", "40")
    page.fill("#site-settings input[name=band_congested_min]", "30")
    page.click("#site-settings button[type=submit]")
    error = page.locator("#form-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("“拥挤”起点")  # the field as its label says it
    expect(error).to_contain_text("要大于“较忙”起点")
    assert "band_congested_min" not in error.inner_text() and "above_" not in error.inner_text()
    expect(page.locator("#site-settings input[name=band_congested_min]")).to_have_attribute("aria-invalid", "true")


@pytest.mark.browser
def test_the_roster_role_can_be_read_on_a_phone(open_page, make_site):
    site = make_site()
    page = open_page("phone", f"/station/{site['id']}/1")
    page.fill("input[name=code]", site["staff_code"])
    page.keyboard.press("Enter")
    page.click('[data-tab="station"]')
    role = page.locator("[data-roster] .roster-add select[name=role]")
    expect(role).to_be_visible()
    shown, needed = role.evaluate("""s => {
        const c = s.cloneNode(true);
        c.style.cssText = 'position:absolute;flex:none;width:auto';
        document.body.appendChild(c);
        const natural = c.getBoundingClientRect().width;
        c.remove();
        return [s.getBoundingClientRect().width, natural];
    }""")
    assert shown >= needed - 1, "the role picked (采样医生, 录入协助 …) must show whole, not cut off"
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


@pytest.mark.browser
def test_the_dashboard_tells_the_time_of_the_sites_zone(open_page, api, make_site):
    """The laptop's clock may be set to another zone (this one runs in UTC): "updated at"
    follows the site's time, like the charts' quarter hours, not the laptop's."""
    site = make_site()
    page = open_page("laptop")
    _sign_in_organizer(page, f"/dashboard?site={site['id']}")
    expect(page.locator(f".dash-site[data-site=\"{site['id']}\"]")).to_be_visible()
    updated = page.locator("#dash-updated").inner_text()
    figures = api.ok("GET", f"/api/v1/sites/{site['id']}/stats", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    site_hour = int(figures["chart"]["labels"][-1][:2])  # the quarter hour now, in the site's zone
    shown_hour = int(updated.split()[-1].split(":")[0])
    assert shown_hour in (site_hour, (site_hour - 1) % 24), (updated, site_hour)  # read just before the hour turned


@pytest.mark.browser
def test_a_cadre_confirms_a_number_at_the_table_without_scanning(open_page, api, make_site):
    """Stage times start at the check-in: a resident whose code cannot be scanned is
    checked in by confirming the number on the console, the one at the table first."""
    site = make_site()
    staff = staff_headers(api, site)
    first, second = (api.ok("POST", f"/api/v1/sites/{site['id']}/tickets", person(400 + k), status=201)
                     for k in range(2))
    page = open_page("laptop", f"/station/{site['id']}/1")
    page.fill("input[name=code]", site["staff_code"])
    page.keyboard.press("Enter")
    page.click("#btn-call")
    expect(page.locator("#current-number")).to_have_text(first["number"])
    page.click("#btn-call")  # called one ahead, as the 1+2+4 layout does
    expect(page.locator("#current-number")).to_have_text(second["number"])

    page.locator("#serving-list li", has_text=first["number"]).get_by_role("button").click()
    expect(page.locator("#current-number")).to_have_text(first["number"])  # the one at the table
    ticket = api.ok("GET", f"/api/v1/tickets/{first['id']}", headers=staff)
    assert ticket["checked_in_ms"] is not None
    expect(page.locator("#btn-arrived")).to_be_hidden()  # checked in already
    page.click("#btn-sampled")
    expect(page.locator("#current-number")).to_have_text(second["number"])
    assert api.ok("GET", f"/api/v1/tickets/{first['id']}", headers=staff)["status"] == "sampled"

    page.click("#btn-arrived")
    expect(page.locator("#btn-arrived")).to_be_hidden()
    assert api.ok("GET", f"/api/v1/tickets/{second['id']}", headers=staff)["checked_in_ms"] is not None
