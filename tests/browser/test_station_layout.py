"""The station console on a phone held in gloves: what is tapped for every person fits the screen."""

import uuid

import pytest

from tests.browser.conftest import sign_in_console, staff_headers
from tests.conftest import make_id_number

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None

# What the worker looks at or taps for every person: in view without scrolling.
IN_VIEW = ["#btn-call", "#btn-recall", "#btn-noshow", "#btn-sampled", "#current-number", "#tube-status",
           "#camera-btn", "[data-tab]"]
BUTTONS = ["#btn-call", "#btn-recall", "#btn-noshow", "#btn-sampled", "#btn-arrived", "[data-tab]"]
# Each element's box, and whether it is what a tap at its middle reaches (nothing laid over it).
BOXES = """selectors => selectors.map(sel => Array.from(document.querySelectorAll(sel), el => {
    const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return {sel, left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height,
            reached: !!hit && el.contains(hit)};
})).flat()"""


def _morning(api, site, tube):
    """A station in full swing: a tube open, one person at the table and the next called ahead,
    a priority to check, more people waiting."""
    staff = staff_headers(api, site)
    api.ok("POST", f"/api/v1/sites/{site['id']}/stations/1/tube", {"code": tube}, headers=staff, status=201)
    for seed in range(1, 6):
        person = {"name": f"居民{seed}", "phone": f"139{seed:08d}", "id_number": make_id_number(seed, birth="19900101")}
        if seed == 5:
            person["priority"] = "pregnant"
        api.ok("POST", f"/api/v1/sites/{site['id']}/tickets", person, status=201)
    return [api.ok("POST", f"/api/v1/sites/{site['id']}/stations/1/call", headers=staff)["ticket"] for _ in range(2)]


@pytest.mark.browser
@pytest.mark.parametrize("width,height,kind", [(360, 740, "phone"), (412, 915, "phone"), (1024, 768, "laptop")])
def test_the_buttons_the_number_and_the_tube_are_in_view_without_scrolling(open_page, api, make_site, screenshot,
                                                                          width, height, kind):
    site = make_site()
    tube = f"4{uuid.uuid4().int % 10**9:09d}"  # tube codes are unique across the sites of a run
    called = _morning(api, site, tube)
    page = _console(open_page, site, width, height, kind)
    expect(page.locator("#current-number")).to_have_text(called[-1]["number"])
    expect(page.locator("#tube-status")).to_contain_text(tube)
    expect(page.locator("#btn-arrived")).to_be_visible()
    expect(page.locator("#serving-list")).to_contain_text(called[0]["number"])
    expect(page.locator("#queue-badge")).to_have_text("1")  # the priority to check, seen from any tab
    if (width, height) == (360, 740):
        screenshot(page, "station-phone.png")

    assert page.evaluate("window.scrollY") == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "nothing sticks out sideways"
    for box in page.evaluate(BOXES, IN_VIEW):
        assert box["height"] > 0, box
        assert 0 <= box["left"] and box["right"] <= width and 0 <= box["top"] and box["bottom"] <= height, box
        assert box["reached"], box
    for box in page.evaluate(BOXES, BUTTONS):  # gloved hands: 44 px targets at least
        assert box["width"] >= 44 and box["height"] >= 44, box

    # Walk-ins, the tube and the station's roster and status are one tap away, and so is the way back.
    page.click('[data-tab="walkin"]')
    expect(page.locator("#walkin-form [name=name]")).to_be_visible()
    page.click('[data-tab="station"]')
    expect(page.locator("#walkin-form [name=name]")).to_be_hidden()
    expect(page.locator("[data-roster] .roster-add select[name=role]")).to_be_visible()
    expect(page.locator('[data-status="paused"]')).to_be_visible()
    page.click('[data-tab="tube"]')
    expect(page.locator("#tube-close")).to_be_visible()
    page.click('[data-tab="queue"]')
    expect(page.locator("#next-list")).to_be_visible()
    expect(page.locator("#next-list")).to_contain_text("居民")
    if kind == "phone":  # the panel is a sheet over the console: closed, the buttons are reachable again
        page.click("#sheet-close")
        expect(page.locator("#sheet")).to_be_hidden()
        assert all(box["reached"] for box in page.evaluate(BOXES, IN_VIEW))
    assert page.evaluate("window.scrollY") == 0


def _console(open_page, site, width=360, height=740, kind="phone"):
    """Station 1's console on a screen of that size, signed in."""
    page = open_page(kind)
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"/station/{site['id']}/1")
    sign_in_console(page, site)
    return page


def _in_view_below(page, selector, anchor, height):
    """``selector`` is on screen, right under ``anchor`` (where the worker's eyes already are).
    Both boxes are read in one script, once the console has settled (a view refresh can still
    be re-rendering the panel above the buttons when the warning appears)."""
    read = """([a, b]) => [a, b].map(s => { const r = document.querySelector(s).getBoundingClientRect();
                                          return {y: r.y, height: r.height}; })"""
    for _ in range(40):
        box, under = page.evaluate(read, [selector, anchor])
        if 0 <= box["y"] - (under["y"] + under["height"]) <= 20:
            break
        page.wait_for_timeout(50)
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, box
    assert 0 <= box["y"] - (under["y"] + under["height"]) <= 20, (box, under)


@pytest.mark.browser
def test_a_sample_without_a_tube_is_said_next_to_the_buttons(open_page, api, make_site, screenshot):
    """The site lets samples go without a tube: each one is still said, in red, by the buttons."""
    site = make_site()  # require_tube off
    ticket = api.ok("POST", f"/api/v1/sites/{site['id']}/tickets",
                    {"name": "孙七", "phone": "13900000017", "id_number": make_id_number(17, birth="19900101")},
                    status=201)
    page = _console(open_page, site)
    expect(page.locator("#tube-status")).to_have_class("tube-line none")  # no tube open: the line is red
    expect(page.locator("#queue-badge")).to_be_hidden()  # no priority to check
    page.click("#btn-call")
    expect(page.locator("#current-number")).to_have_text(ticket["number"])
    page.click("#btn-sampled")
    warning = page.locator("#untubed")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(ticket["number"])
    expect(warning).to_contain_text("没有装管")
    _in_view_below(page, "#untubed", ".actions", 740)
    screenshot(page, "station-no-tube.png")
    done = api.ok("GET", f"/api/v1/tickets/{ticket['id']}", headers=staff_headers(api, site))
    assert (done["status"], done["tube"]) == ("sampled", None)

    page.keyboard.type(f"5{uuid.uuid4().int % 10**9:09d}")  # a tube is scanned: the next swab has one
    page.keyboard.press("Enter")
    expect(warning).to_be_hidden()
    expect(page.locator("#tube-status")).to_have_class("tube-line")


@pytest.mark.browser
def test_where_a_tube_is_required_sampled_without_one_is_refused_by_the_buttons(open_page, api, make_site):
    site = make_site(require_tube=True)  # a new site's default
    ticket = api.ok("POST", f"/api/v1/sites/{site['id']}/tickets",
                    {"name": "周八", "phone": "13900000018", "id_number": make_id_number(18, birth="19900101")},
                    status=201)
    page = _console(open_page, site)
    page.click("#btn-call")
    expect(page.locator("#current-number")).to_have_text(ticket["number"])
    page.click("#btn-sampled")
    message = page.locator("#console-message")
    expect(message).to_contain_text("试管")
    _in_view_below(page, "#console-message", ".actions", 740)
    expect(page.locator("#current-number")).to_have_text(ticket["number"])  # still at the table
    assert api.ok("GET", f"/api/v1/tickets/{ticket['id']}", headers=staff_headers(api, site))["status"] == "called"
