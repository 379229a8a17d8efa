"""The resident's phone page, on a phone-sized Chromium against the real server."""

import re

import pytest

from tests.browser.conftest import fill_join_form, staff_headers
from tests.conftest import person

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None


def join_on_phone(page, seed: int) -> None:
    fill_join_form(page, person(seed))
    page.click("#join-button")


def _joined(open_page, site: dict, seed: int, number: str):
    """A phone at the site's page that has joined and shows its number."""
    page = open_page("phone", f"/s/{site['id']}")
    join_on_phone(page, seed)
    expect(page.locator("#ticket-number")).to_have_text(number)
    return page


def same_document(page) -> None:
    """Mark the loaded document; ``still_same_document`` proves no reload or navigation since."""
    page.evaluate("window.__natqSameDocument = true")


def still_same_document(page) -> bool:
    return page.evaluate("window.__natqSameDocument === true")


@pytest.mark.browser
def test_join_then_called_banner_appears_live(open_page, api, make_site, screenshot):
    site = make_site()
    page = open_page("phone", f"/s/{site['id']}")
    expect(page.locator("#join")).to_be_visible()
    resident = person(1)
    page.fill("input[name=name]", resident["name"])
    page.fill("input[name=phone]", resident["phone"])
    page.fill("input[name=id_number]", resident["id_number"])
    screenshot(page, "resident-join.png")
    page.click("#join-button")

    expect(page.locator("#ticket-number")).to_have_text("A001")
    expect(page.locator("#ticket-ahead")).to_have_text("0")
    expect(page.locator("#join")).to_be_hidden()
    assert "#t=" in page.url and "k=" not in page.url  # the address names the ticket, never its token
    screenshot(page, "resident-ticket.png")

    same_document(page)
    loads = []
    page.on("load", lambda _page: loads.append(page.url))
    called = api.ok("POST", f"/api/v1/sites/{site['id']}/stations/1/call", headers=staff_headers(api, site))
    assert called["ticket"]["number"] == "A001"

    banner = page.locator("#called")
    expect(banner).to_be_visible()
    expect(page.locator("#called-number")).to_have_text("A001")
    expect(page.locator("#called-text")).to_have_text("请到 1 号采样台")
    box = banner.bounding_box()
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 390, 844), "banner is not full-screen"
    assert still_same_document(page) and loads == [], "the banner came through a reload, not live"
    screenshot(page, "resident-called.png")

    page.click("#called-ok")
    expect(banner).to_be_hidden()
    expect(page.locator("#ticket-status")).to_contain_text("1")


# Holds the page's site events until window.__natqRelease(): a socket slower than
# plain HTTP, so the phone's own join event arrives after the join's answer.
HOLD_SITE_EVENTS = """
(() => {
  let wrapped;
  const held = [];
  let holding = true;
  window.__natqHeldCount = () => held.length;
  window.__natqRelease = () => { holding = false; held.splice(0).forEach(([fn, args]) => fn.apply(null, args)); };
  Object.defineProperty(window, "io", {
    configurable: true,
    get() { return wrapped; },
    set(lookup) {
      wrapped = function () {
        const socket = lookup.apply(this, arguments);
        const on = socket.on.bind(socket);
        socket.on = (name, fn) => on(name, name !== "site_event" ? fn : function () {
          if (holding) { held.push([fn, arguments]); } else { fn.apply(this, arguments); }
        });
        return socket;
      };
    },
  });
})();
"""


@pytest.mark.browser
def test_waiting_count_includes_own_join_when_the_socket_is_slow(open_page, make_site):
    site = make_site()
    page = open_page("phone", f"/s/{site['id']}", script=HOLD_SITE_EVENTS)
    expect(page.locator("#site-waiting")).to_have_text("0")
    expect(page.locator("body")).to_have_attribute("data-live", "1")  # its own join comes as a live event
    join_on_phone(page, 41)
    expect(page.locator("#ticket-number")).to_have_text("A001")
    page.wait_for_function("() => window.__natqHeldCount() > 0")
    page.evaluate("window.__natqRelease()")
    expect(page.locator("#site-waiting")).to_have_text("1")
    expect(page.locator("#ticket-ahead")).to_have_text("0")


@pytest.mark.browser
def test_second_phone_sees_people_ahead_drop_when_first_leaves(open_page, api, make_site):
    site = make_site()
    first = _joined(open_page, site, 11, "A001")

    second = _joined(open_page, site, 12, "A002")
    expect(second.locator("#ticket-ahead")).to_have_text("1")
    expect(second.locator("#site-waiting")).to_have_text("2")
    same_document(second)

    first.once("dialog", lambda dialog: dialog.accept())
    first.click("#leave-button")
    expect(first.locator("#rejoin-button")).to_be_visible()
    expect(first.locator("#leave-button")).to_be_hidden()

    expect(second.locator("#ticket-ahead")).to_have_text("0")
    expect(second.locator("#site-waiting")).to_have_text("1")
    assert still_same_document(second), "the count dropped through a reload, not live"


@pytest.mark.browser
def test_reload_keeps_the_ticket_and_another_browser_at_the_url_only_watches_it(open_page, api, make_site):
    site = make_site()
    page = _joined(open_page, site, 21, "A001")
    status = page.locator("#ticket-status").inner_text()
    url = page.url

    page.reload()
    expect(page.locator("#ticket-number")).to_have_text("A001")
    expect(page.locator("#ticket-status")).to_have_text(status)
    expect(page.locator("#ticket-ahead")).to_have_text("0")
    expect(page.locator("#join")).to_be_hidden()
    expect(page.locator("#leave-button")).to_be_visible()

    # Another browser (no localStorage of the first): the link shows the ticket, read only.
    elsewhere = open_page("phone", url.replace(api.base, ""))
    expect(elsewhere.locator("#ticket-number")).to_have_text("A001")
    expect(elsewhere.locator("#ticket-status")).to_have_text(status)
    expect(elsewhere.locator("#join")).to_be_hidden()
    expect(elsewhere.locator("#leave-button")).to_be_hidden()

    # Called while away: coming back to the link shows where to go.
    api.ok("POST", f"/api/v1/sites/{site['id']}/stations/2/call", headers=staff_headers(api, site))
    expect(elsewhere.locator("#called-text")).to_have_text("请到 2 号采样台")
    later = open_page("phone", url.replace(api.base, ""))
    expect(later.locator("#called")).to_be_visible()
    expect(later.locator("#called-text")).to_have_text("请到 2 号采样台")


@pytest.mark.browser
def test_a_join_tapped_before_the_page_script_arrives_puts_nothing_in_the_address(open_page, make_site):
    """On a weak network the form can be on screen before its script: the browser must not
    send it its own way, with the name, phone and ID number in the address (and the log)."""
    site = make_site()
    page = open_page("phone")
    withheld = []
    page.route(re.compile(r"/static/js/resident[^/?]*\.js(\?|$)"),  # the scripts never arrive
               lambda route: (withheld.append(route.request.url), route.abort()))
    page.goto(f"/s/{site['id']}")
    page.evaluate("document.getElementById('join').hidden = false")
    resident = person(2)
    page.fill("input[name=name]", resident["name"])
    page.fill("input[name=phone]", resident["phone"])
    page.fill("input[name=id_number]", resident["id_number"])
    same_document(page)
    page.evaluate("document.getElementById('join-form').requestSubmit()")
    page.wait_for_timeout(500)  # a navigation, had one started, would have replaced the document
    assert still_same_document(page)
    assert resident["id_number"] not in page.url and "phone" not in page.url
    assert len(withheld) == 2  # resident.js and resident-flow.js: the page really ran without them
