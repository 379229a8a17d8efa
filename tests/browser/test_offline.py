"""A station console through a network cut: marks made meanwhile are kept and sent later."""

import json

import pytest

from tests.browser.conftest import console_serving_one, serving_tube, staff_headers, ticket_view
from tests.conftest import person

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None

@pytest.mark.browser
def test_a_sample_marked_during_a_network_cut_is_recorded_when_it_returns(open_page, api, make_site):
    site = make_site()
    page, ticket = console_serving_one(open_page, api, site, 70)
    page.context.set_offline(True)
    page.keyboard.press("s")
    expect(page.locator("#outbox")).to_contain_text("1 条记录待上传")
    expect(page.locator("#console-message")).to_contain_text(f"没有网络：{ticket['number']} 已记在本机")
    expect(page.locator("#current-number")).to_have_text("—")  # the medic moves on
    assert ticket_view(api, ticket)["status"] == "called"

    page.context.set_offline(False)
    expect(page.locator("#outbox")).to_be_hidden(timeout=20_000)
    done = ticket_view(api, ticket)
    assert (done["status"], done["tube"], done["tube_position"]) == ("sampled", serving_tube(70), 1)


@pytest.mark.browser
def test_a_kept_mark_survives_a_reload_and_is_sent_once(open_page, api, make_site):
    site = make_site()
    staff = staff_headers(api, site)
    page, ticket = console_serving_one(open_page, api, site, 71)
    page.route("**/sampled", lambda route: route.abort())  # the request never reaches the server
    page.keyboard.press("s")
    expect(page.locator("#outbox")).to_contain_text("1 条记录待上传")
    page.unroute("**/sampled")
    page.reload()
    expect(page.locator("#outbox")).to_be_hidden(timeout=20_000)
    assert ticket_view(api, ticket)["status"] == "sampled"
    tube = api.ok("GET", f"/api/v1/sites/{site['id']}/stations/1/tube", headers=staff)
    assert tube["tube"]["count"] == 1  # sent once, bound once


@pytest.mark.browser
def test_a_view_that_left_before_the_mark_does_not_bring_the_person_back(open_page, api, make_site):
    """A console refresh in flight when the medic marks someone offline answers with the old
    view, still listing them as served here: they must not come back as the current person."""
    site = make_site()
    staff = staff_headers(api, site)
    page, ticket = console_serving_one(open_page, api, site, 72)
    stale = api.ok("GET", f"/api/v1/sites/{site['id']}/stations/1", headers=staff)
    assert [t["id"] for t in stale["serving"]] == [ticket["id"]]
    held = []
    page.route(f"**/api/v1/sites/{site['id']}/stations/1", lambda route: held.append(route)
               if route.request.method == "GET" else route.continue_())
    api.ok("POST", f"/api/v1/sites/{site['id']}/tickets", person(73), status=201)  # the console refreshes
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the console did not refresh on the site's event"
    page.context.set_offline(True)
    page.keyboard.press("s")
    expect(page.locator("#current-number")).to_have_text("—")
    held[0].fulfill(status=200, content_type="application/json", body=json.dumps(stale))
    page.wait_for_timeout(300)
    expect(page.locator("#current-number")).to_have_text("—")
    page.unroute(f"**/api/v1/sites/{site['id']}/stations/1")
    page.context.set_offline(False)
    expect(page.locator("#outbox")).to_be_hidden(timeout=20_000)
