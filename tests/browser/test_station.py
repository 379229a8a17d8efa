"""The station console on a laptop, driven by its keyboard shortcuts."""

import pytest

from tests.browser.conftest import sign_in_console
from tests.conftest import person

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None


# Notes what has the focus the moment the console appears: a hidden sign-in field
# that kept it would swallow the shortcut keys.
FOCUS_WHEN_CONSOLE_SHOWS = """
document.addEventListener("DOMContentLoaded", () => {
  const panel = document.getElementById("console");
  new MutationObserver(() => {
    if (!panel.hidden && window.__natqFocusWhenShown === undefined) {
      const el = document.activeElement;
      window.__natqFocusWhenShown = el ? (el.name || el.tagName) : null;
    }
  }).observe(panel, { attributes: true, attributeFilter: ["hidden"] });
});
"""


@pytest.mark.browser
def test_staff_call_and_sample_with_keys(open_page, api, make_site, screenshot):
    site = make_site()
    page = open_page("laptop", f"/station/{site['id']}/1", script=FOCUS_WHEN_CONSOLE_SHOWS)
    expect(page.locator("#signin")).to_be_visible()
    expect(page.locator("#console")).to_be_hidden()

    # As staff do it: type the code into the focused field and press Enter.
    sign_in_console(page, site)
    expect(page.locator("#console")).to_be_visible()
    expect(page.locator("#signin")).to_be_hidden()
    assert page.evaluate("window.__natqFocusWhenShown") != "code", "the hidden code field kept the keys"

    ticket = api.ok("POST", f"/api/v1/sites/{site['id']}/tickets", person(31), status=201)
    expect(page.locator("#next-list")).to_contain_text(ticket["number"])

    page.keyboard.press("n")
    expect(page.locator("#current-number")).to_have_text(ticket["number"])
    expect(page.locator("#current-person")).to_contain_text(person(31)["name"])
    expect(page.locator("#current-person")).not_to_contain_text(person(31)["id_number"])
    holder = {"X-Ticket-Token": ticket["token"]}
    called = api.ok("GET", f"/api/v1/tickets/{ticket['id']}", headers=holder)
    assert (called["status"], called["station"]) == ("called", 1)
    screenshot(page, "station-console.png")

    page.keyboard.press("s")
    expect(page.locator("#current-number")).to_have_text("—")
    assert api.ok("GET", f"/api/v1/tickets/{ticket['id']}", headers=holder)["status"] == "sampled"


# Holds the console's first station-view answer (sent before sign-in, so a 401)
# until the sign-in has shown the console: a slow network delivering it late.
HOLD_FIRST_VIEW = """
(() => {
  const fetch0 = window.fetch;
  let held = false;
  window.fetch = function (url, opts) {
    const answer = fetch0.apply(this, arguments);
    if (held || !/\\/stations\\/\\d+$/.test(url) || (opts && opts.method !== "GET")) { return answer; }
    held = true;
    window.__natqHeld = "sent";
    return answer.then((res) => new Promise((resolve) => {
      const started = Date.now();
      (function wait() {
        const panel = document.getElementById("console");
        if ((panel && !panel.hidden) || Date.now() - started > 5000) { window.__natqHeld = "delivered"; resolve(res); }
        else { setTimeout(wait, 20); }
      })();
    }));
  };
})();
"""


@pytest.mark.browser
def test_a_late_answer_from_before_sign_in_does_not_sign_staff_out(open_page, make_site):
    site = make_site()
    page = open_page("laptop", f"/station/{site['id']}/1", script=HOLD_FIRST_VIEW)
    page.wait_for_function("() => window.__natqHeld === 'sent'")
    sign_in_console(page, site)
    page.wait_for_function("() => window.__natqHeld === 'delivered'")

    # Keys only work while the console shows; calling with nobody waiting says so.
    page.keyboard.press("n")
    expect(page.locator("#console-message")).to_have_text("现在没有人排队。")
    expect(page.locator("#console")).to_be_visible()
    expect(page.locator("#signin")).to_be_hidden()
