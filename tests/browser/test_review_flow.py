"""Workflow pages as staff see them when something is wrong: what they read must be theirs."""

import uuid

import pytest

from tests.browser.conftest import open_console

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None


def _send(page, form: str, **values) -> None:
    """Fill fields of a staff form and send it."""
    for name, value in values.items():
        page.locator(f"{form} [name={name}]").fill(value)
    page.locator(f"{form} button[type=submit]").click()


@pytest.mark.browser
def test_a_refused_walk_in_names_the_field_in_the_staffs_language(open_page, make_site):
    site = make_site()
    page = open_console(open_page, site)
    expect(page.locator("#scan")).to_be_focused()
    page.click('[data-tab="walkin"]')
    _send(page, "#walkin-form", name="赵六", id_number="123")
    error = page.locator("#walkin-error")
    expect(error).to_contain_text("身份证号")
    expect(error).not_to_contain_text("id_number")


@pytest.mark.browser
def test_a_refused_home_visit_names_the_fields_in_the_staffs_language(open_page, make_site):
    site = make_site()
    page = open_page("phone", f"/home/{site['id']}/1")
    page.locator("#signin-form [name=code]").fill(site["staff_code"])
    page.locator("#signin-form [name=code]").press("Enter")
    expect(page.locator("#home-form")).to_be_visible()
    _send(page, "#home-form", name="孙爷爷")
    message = page.locator("#home-message")
    expect(message).to_contain_text("地址")
    expect(message).not_to_contain_text("address")


@pytest.mark.browser
def test_a_cadre_sends_a_yellow_code_resident_from_the_pooled_table_to_a_single_tube_station(
        open_page, api, make_site):
    from tests.browser.conftest import staff_headers
    from tests.conftest import make_id_number

    site = make_site()
    person = {"name": "钱七", "phone": "13900000007", "id_number": make_id_number(7, birth="19900101")}
    ticket = api.ok("POST", f"/api/v1/sites/{site['id']}/tickets", person, status=201)
    page = open_console(open_page, site)
    expect(page.locator("#scan")).to_be_focused()
    page.keyboard.press("n")
    expect(page.locator("#current-number")).to_have_text(ticket["number"])
    button = page.locator("#to-single")
    expect(button).to_have_text("黄码：转到单管采样台")
    button.click()
    expect(page.locator("#current-number")).to_have_text("—")
    expect(page.locator("#single-waiting")).to_contain_text("1")
    back = api.ok("GET", f"/api/v1/tickets/{ticket['id']}", headers=staff_headers(api, site))
    assert (back["status"], back["lane"]) == ("waiting", "sr")


@pytest.mark.browser
def test_the_consoles_row_buttons_are_big_enough_for_gloved_hands(open_page, api, make_site):
    from tests.conftest import make_id_number

    site = make_site()
    person = {"name": "郑十", "phone": "13900000013", "id_number": make_id_number(13, birth="19900101"),
              "priority": "pregnant"}
    api.ok("POST", f"/api/v1/sites/{site['id']}/tickets", person, status=201)
    page = open_console(open_page, site)
    confirm = page.locator("#declared-list button").first
    expect(confirm).to_have_text("确认")
    expect(page.locator("#next-list select")).to_be_visible()
    # The lists are redrawn on every change: measure them all at once, in the page.
    sizes = page.evaluate("""() => Array.from(
        document.querySelectorAll('#declared-list button, #next-list select, #next-list button'),
        (el) => { const r = el.getBoundingClientRect(); return [r.width, r.height]; })""")
    assert len(sizes) >= 4 and all(w >= 44 and h >= 44 for w, h in sizes), sizes


@pytest.mark.browser
def test_a_yellow_code_resident_is_told_only_a_single_tube_station_calls_them(open_page, api, make_site):
    from tests.browser.conftest import staff_headers
    from tests.conftest import make_id_number

    site = make_site()
    page = open_page("phone", f"/s/{site['id']}")
    page.fill("input[name=name]", "黄先生")
    page.fill("input[name=phone]", "13912345678")
    page.fill("input[name=id_number]", make_id_number(30, birth="19900101"))
    page.check("input[name=yellow_code]")
    page.click("#join-button")
    note = page.locator("#single-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("只有单管采样台会叫您的号")
    # No single-tube station yet: no wait is promised. Once one opens, its own pace counts.
    expect(page.locator("#ticket-eta")).to_have_text("单管采样台开放后才能估计")
    api.ok("POST", f"/api/v1/sites/{site['id']}/stations/2/mode", {"mode": "single"},
           headers=staff_headers(api, site))
    expect(page.locator("#ticket-eta")).to_have_text("不到 1 分钟")


@pytest.mark.browser
def test_a_home_team_is_told_how_to_sample_a_yellow_code_visit(open_page, api, make_site):
    from tests.browser.conftest import staff_headers
    from tests.conftest import make_id_number

    site = make_site()
    visit = {"name": "孙爷爷", "id_number": make_id_number(38, birth="19380505"), "address": "5 栋",
             "reason": "黄码居家", "yellow_code": True}
    api.ok("POST", f"/api/v1/sites/{site['id']}/home", visit, headers=staff_headers(api, site), status=201)
    page = open_page("phone", f"/home/{site['id']}/1")
    page.locator("#signin-form [name=code]").fill(site["staff_code"])
    page.locator("#signin-form [name=code]").press("Enter")
    tube = f"5{uuid.uuid4().int % 10**11:011d}"  # tube codes are unique across the sites of a run
    page.fill("#tube-code", tube)
    page.keyboard.press("Enter")
    expect(page.locator("#tube-status")).to_contain_text(tube)
    page.get_by_role("button", name="已采样").click()
    expect(page.locator("#home-message")).to_contain_text("勾选“单管”")
    expect(page.locator("#home-list")).to_contain_text("孙爷爷")  # still to do


@pytest.mark.browser
def test_a_home_team_takes_a_visit_off_the_list(open_page, api, make_site):
    from tests.browser.conftest import staff_headers
    from tests.conftest import make_id_number

    site = make_site()
    visit = {"name": "孙爷爷", "id_number": make_id_number(39, birth="19380505"), "address": "5 栋", "reason": "卧床"}
    added = api.ok("POST", f"/api/v1/sites/{site['id']}/home", visit, headers=staff_headers(api, site), status=201)
    page = open_page("phone", f"/home/{site['id']}/1")
    page.on("dialog", lambda dialog: dialog.accept())
    page.locator("#signin-form [name=code]").fill(site["staff_code"])
    page.locator("#signin-form [name=code]").press("Enter")
    expect(page.locator("#home-list")).to_contain_text(added["number"])
    page.get_by_role("button", name="移出名单").click()
    expect(page.locator("#home-list")).to_contain_text("名单上没有人")
