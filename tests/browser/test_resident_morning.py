"""A resident's morning on a small phone (360 x 740, zh-CN): the join form, a ticket got back on
this phone, a forwarded page that can change nothing, the people kept for the next round, the
call said aloud, and a no-show brought back by staff."""

import pytest

from tests.browser.conftest import fill_join_form, open_console, staff_headers
from tests.conftest import make_id_number, person

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None

SMALL = {"width": 360, "height": 740}


def small_phone(open_page, path: str | None = None):
    page = open_page("phone")
    page.set_viewport_size(SMALL)
    if path is not None:
        page.goto(path)
    return page


def in_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= SMALL["height"] \
        and box["x"] >= 0 and box["x"] + box["width"] <= SMALL["width"]


def error_of(page, field: str):
    return page.locator(f"#join-form .field-error[data-for='{field}']")


@pytest.mark.browser
def test_the_join_form_says_what_is_wrong_in_plain_words_and_its_button_is_in_reach(
        open_page, make_site, screenshot):
    site = make_site()
    page = small_phone(open_page, f"/s/{site['id']}")
    expect(page.locator("#join")).to_be_visible()
    assert in_view(page, "#join-button"), "the join button is below the fold at 360 x 740"
    page.click("#add-member")
    page.click("#add-member")  # a family of three: a longer form, the button still in reach
    assert in_view(page, "#join-button")
    page.locator(".member").nth(1).locator("button").click()
    page.locator(".member").first.locator("button").click()

    page.click("#join-button")  # nothing typed
    expect(error_of(page, "name")).to_have_text("请填写姓名。")
    expect(error_of(page, "phone")).to_have_text("请填写手机号。")
    expect(error_of(page, "id_number")).to_have_text("请填写证件号码。")  # "required", not "format wrong"
    expect(page.locator("#join-error")).to_have_text("请按红字提示修改。")
    assert in_view(page, "#join-button")

    page.fill("#join-form [name=name]", "王秀英")
    page.fill("#join-form [name=phone]", "1380013800")  # ten digits
    page.fill("#join-form [name=id_number]", "110105194912310021")  # one check digit off
    page.click("#join-button")
    expect(error_of(page, "phone")).to_have_text("手机号是 11 位数字，以 1 开头。")
    expect(error_of(page, "id_number")).to_have_text("号码有一位不对，请对着证件逐位核对。")
    expect(error_of(page, "name")).to_have_text("")
    page.fill("#join-form [name=id_number]", "11010519491231")
    page.click("#join-button")
    expect(error_of(page, "id_number")).to_have_text("身份证号共 18 位：前 17 位是数字，最后一位是数字或 X。")
    screenshot(page, "resident-join-errors.png")

    # While the join travels, the button says so, with a spinner, and takes no second press.
    held = []
    page.route("**/api/v1/sites/*/tickets", lambda route: held.append(route))
    page.fill("#join-form [name=phone]", "13800138000")
    page.fill("#join-form [name=id_number]", "11010519491231002X")
    page.click("#join-button")
    button = page.locator("#join-button")
    expect(button).to_have_text("正在提交…")
    expect(button).to_be_disabled()
    expect(button).to_have_attribute("aria-busy", "true")
    expect(button.locator(".spinner")).to_be_visible()
    assert in_view(page, "#join-button")
    page.wait_for_function("() => true")
    assert len(held) == 1
    held[0].continue_()
    expect(page.locator("#ticket-number")).to_have_text("A001")


@pytest.mark.browser
def test_an_already_queued_resident_gets_the_ticket_back_on_this_phone_and_can_cancel(
        open_page, api, make_site, screenshot):
    site = make_site()
    resident = person(5)
    closed = api.ok("POST", f"/api/v1/sites/{site['id']}/tickets", resident, status=201)  # the page they closed

    page = small_phone(open_page, f"/s/{site['id']}")
    fill_join_form(page, resident)
    page.click("#join-button")
    expect(page.locator("#recover-text")).to_have_text("这个证件号码已在排队，号码是 A001。")
    offer = page.locator("#recover-button")
    expect(offer).to_have_text("在本机找回我的号（手机号 138****0005）")
    screenshot(page, "resident-recover.png")
    offer.click()

    expect(page.locator("#ticket-number")).to_have_text("A001")
    expect(page.locator("#leave-button")).to_be_visible()
    expect(page.locator("#ticket-qr")).to_be_visible()
    status, _ = api.request("GET", f"/api/v1/tickets/{closed['id']}", headers={"X-Ticket-Token": closed["token"]})
    assert status == 403  # the old link's token no longer works

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#leave-button")
    expect(page.locator("#ticket-status")).to_have_text("您已离开队伍。")
    assert api.ok("GET", f"/api/v1/tickets/{closed['id']}", headers=staff_headers(api, site))["status"] == "cancelled"


@pytest.mark.browser
def test_a_wrong_phone_gets_nothing_back(open_page, api, make_site):
    site = make_site()
    resident = person(6)
    api.ok("POST", f"/api/v1/sites/{site['id']}/tickets", resident, status=201)
    page = small_phone(open_page, f"/s/{site['id']}")
    fill_join_form(page, {**resident, "phone": "13900000000"})
    page.click("#join-button")
    page.click("#recover-button")
    expect(page.locator("#recover-error")).to_have_text("没有找到与这个证件号码和手机号相符的排队号。")
    expect(page.locator("#ticket")).to_be_hidden()


@pytest.mark.browser
def test_the_phone_keeps_the_family_only_with_consent_one_tap_next_round_and_forgets_on_request(
        open_page, api, make_site, screenshot):
    site = make_site()
    staff = staff_headers(api, site)
    page = small_phone(open_page, f"/s/{site['id']}")
    remember = page.locator("#join-form [name=remember]")
    expect(remember).not_to_be_checked()  # nothing kept unless the resident says so
    me = {"name": "李桂兰", "phone": "13900000021", "id_number": make_id_number(21, birth="19480101")}
    fill_join_form(page, me)
    page.click("#add-member")
    page.fill(".member [name=member_name]", "李小宝")
    page.fill(".member [name=member_id]", make_id_number(22, birth="20180101"))
    remember.check()
    page.click("#join-button")
    expect(page.locator("#ticket-number")).to_have_text("A001")
    kept = page.evaluate("JSON.parse(localStorage.getItem('natq:profile'))")
    assert [p["name"] for p in kept["people"]] == ["李桂兰", "李小宝"]

    for seed in (1, 2):  # the round ends for both
        api.ok("POST", f"/api/v1/sites/{site['id']}/stations/{seed}/call", headers=staff)
    for ticket in api.ok("GET", f"/api/v1/sites/{site['id']}/stations/1", headers=staff)["serving"] + \
            api.ok("GET", f"/api/v1/sites/{site['id']}/stations/2", headers=staff)["serving"]:
        api.ok("POST", f"/api/v1/tickets/{ticket['id']}/sampled", headers=staff)
    expect(page.locator("#rejoin-button")).to_be_visible()
    page.click("#rejoin-button")

    # The next round: both people, one tap.
    quick = page.locator("#quick")
    expect(quick).to_be_visible()
    expect(page.locator("#quick-people")).to_contain_text("李桂兰")
    expect(page.locator("#quick-people")).to_contain_text("李小宝")
    expect(page.locator("#quick-join")).to_have_text("为 2 人取号")
    assert in_view(page, "#quick-join")
    screenshot(page, "resident-remembered.png")
    page.click("#quick-join")
    expect(page.locator("#ticket-number")).to_have_text("A003")
    expect(page.locator("#family-list")).to_contain_text("A004")

    # Forget me: nothing of them is left on this phone.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#leave-button")
    page.click("#rejoin-button")
    page.click("#forget-me")
    expect(page.locator("#quick")).to_be_hidden()
    expect(page.locator("#join-form [name=id_number]")).to_have_value("")
    assert page.evaluate("localStorage.getItem('natq:profile')") is None
    page.reload()
    expect(page.locator("#join")).to_be_visible()
    expect(page.locator("#join-form [name=name]")).to_have_value("")

    # Without the tick, the next round starts from an empty form.
    other = small_phone(open_page, f"/s/{site['id']}")
    fill_join_form(other, person(23))
    other.click("#join-button")
    expect(other.locator("#ticket-number")).to_have_text("A005")
    assert other.evaluate("localStorage.getItem('natq:profile')") is None


# Records what the page asks the phone to say, in place of the phone's voice.
SPEECH = """
(() => {
  window.__spoken = [];
  const speak = (u) => window.__spoken.push({text: u.text, lang: u.lang});
  if (!window.SpeechSynthesisUtterance) {
    window.SpeechSynthesisUtterance = function (text) { this.text = text; };
  }
  Object.defineProperty(window, "speechSynthesis", {configurable: true,
    value: {speak: speak, cancel() {}, getVoices() { return []; }}});
})();
"""


def spoken(page) -> list:
    return [u for u in page.evaluate("window.__spoken") if u["text"]]


@pytest.mark.browser
def test_the_call_is_said_aloud_in_the_pages_language_unless_switched_off(open_page, api, make_site):
    site = make_site()
    staff = staff_headers(api, site)
    page = small_phone(open_page)
    page.add_init_script(SPEECH)
    page.goto(f"/s/{site['id']}")
    fill_join_form(page, person(31))
    page.click("#join-button")
    switch = page.locator("#speak-switch")
    expect(switch).to_be_visible()
    expect(switch).to_be_checked()

    api.ok("POST", f"/api/v1/sites/{site['id']}/stations/2/call", headers=staff)
    expect(page.locator("#called")).to_be_visible()
    page.wait_for_function("() => window.__spoken.some(u => u.text)")
    assert spoken(page) == [{"text": "A001，请到 2 号采样台", "lang": "zh-CN"}]

    banner_switch = page.locator("#called-speak")  # where the voice is heard
    expect(banner_switch).to_be_visible()
    expect(banner_switch).to_be_checked()
    assert in_view(page, "#called-speak")
    banner_switch.uncheck()
    page.click("#called-ok")
    expect(switch).not_to_be_checked()
    page.reload()  # the choice is remembered
    expect(page.locator("#speak-switch")).not_to_be_checked()
    ticket = api.ok("GET", f"/api/v1/sites/{site['id']}/stations/2", headers=staff)["serving"][0]
    api.ok("POST", f"/api/v1/tickets/{ticket['id']}/recall", headers=staff)
    expect(page.locator("#called")).to_be_visible()
    page.wait_for_timeout(300)
    assert spoken(page) == []


@pytest.mark.browser
def test_a_forwarded_ticket_page_shows_the_number_and_wait_and_cannot_change_anything(
        open_page, api, make_site, screenshot):
    site = make_site()
    api.ok("POST", f"/api/v1/sites/{site['id']}/tickets", person(40), status=201)
    page = small_phone(open_page, f"/s/{site['id']}")
    fill_join_form(page, person(41))
    page.click("#join-button")
    expect(page.locator("#ticket-number")).to_have_text("A002")
    assert "#t=" in page.url and "k=" not in page.url and "token" not in page.url
    token = page.evaluate("JSON.parse(localStorage.getItem('natq:ticket:' + NQ.page.site.id)).token")
    assert token and token not in page.url

    forwarded = small_phone(open_page, page.url.replace(api.base, ""))  # another phone, the link alone
    expect(forwarded.locator("#ticket-number")).to_have_text("A002")
    expect(forwarded.locator("#ticket-ahead")).to_have_text("1")
    expect(forwarded.locator("#watching-note")).to_be_visible()
    expect(forwarded.locator("#leave-button")).to_be_hidden()
    expect(forwarded.locator("#ticket-qr")).to_be_hidden()
    expect(forwarded.locator("#ticket-holder")).to_have_text("")  # nothing of the person
    screenshot(forwarded, "resident-forwarded.png")

    staff = staff_headers(api, site)
    api.ok("POST", f"/api/v1/sites/{site['id']}/stations/1/call", headers=staff)
    expect(forwarded.locator("#ticket-ahead")).to_have_text("0")  # followed live from the site's feed
    api.ok("POST", f"/api/v1/sites/{site['id']}/stations/2/call", headers=staff)
    expect(forwarded.locator("#called-text")).to_have_text("请到 2 号采样台")
    expect(forwarded.locator("#leave-button")).to_be_hidden()

    page.reload()  # the phone that joined still holds it
    expect(page.locator("#leave-button")).to_be_visible()


@pytest.mark.browser
def test_a_no_show_is_told_to_show_staff_and_staff_bring_them_back(open_page, api, make_site, screenshot):
    site = make_site()
    staff = staff_headers(api, site)
    phone = small_phone(open_page, f"/s/{site['id']}")
    fill_join_form(phone, person(51))
    phone.click("#join-button")
    expect(phone.locator("#ticket-number")).to_have_text("A001")
    called = api.ok("POST", f"/api/v1/sites/{site['id']}/stations/2/call", headers=staff)["ticket"]
    expect(phone.locator("#called")).to_be_visible()
    phone.click("#called-ok")
    api.ok("POST", f"/api/v1/tickets/{called['id']}/no-show", headers=staff)
    expect(phone.locator("#ticket-status")).to_have_text(
        "您已过号。如果您已到现场，请在 15 分钟内把本页给 2 号采样台的工作人员看，可以恢复叫号。")
    screenshot(phone, "resident-no-show.png")

    console = open_console(open_page, site, station=2)
    back = console.locator("#no-show-list .bring-back")
    expect(console.locator("#no-show-list")).to_contain_text("A001")
    back.click()
    expect(console.locator("#current-number")).to_have_text("A001")
    expect(console.locator("#no-shows")).to_be_hidden()
    expect(phone.locator("#called")).to_be_visible()
    expect(phone.locator("#called-text")).to_have_text("请到 2 号采样台")
