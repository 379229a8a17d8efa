"""One wait reads the same on every page: the dashboard, the organizer's list of sites, the
public list, and the rule itself in the browser (NQ.duration) and on the server (Jinja)."""

import pytest

from tests.browser.conftest import ADMIN_TOKEN
from tests.conftest import make_id_number

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None

SECONDS = [None, 0, 1, 29.5, 59, 59.9, 60, 61, 72, 90, 119, 120, 1799, 1800, 1801, 3600, 5000]


@pytest.mark.browser
def test_the_same_wait_reads_the_same_on_the_dashboard_and_the_lists_of_sites(open_page, api, make_site):
    site = make_site(stations=1)
    for seed in range(3):  # 3 people at the default 30 s a person: 90 s, "2 分钟" everywhere
        api.ok("POST", f"/api/v1/sites/{site['id']}/tickets",
               {"name": f"居民{seed}", "phone": f"139{seed:08d}", "id_number": make_id_number(600 + seed)}, status=201)
    eta = api.ok("GET", f"/api/v1/sites/{site['id']}")["eta_seconds"]
    assert eta == 90

    page = open_page("laptop")
    page.goto(f"/dashboard?site={site['id']}")
    page.fill("input[name=token]", ADMIN_TOKEN)
    page.click("#organizer-form button[type=submit]")
    card = page.locator(f".dash-site[data-site=\"{site['id']}\"]")
    expect(card.locator('[data-f="eta"]')).to_have_text("2 分钟")

    page.goto("/organizer/sites")
    expect(page.locator(f"#sites-table tr[data-site=\"{site['id']}\"]")).to_contain_text("2 分钟")
    # The public list is shared for a second or two, and shows 30 sites a page: this site's own
    # area has only it (the live server holds every browser test's sites).
    api.ok("PATCH", f"/api/v1/sites/{site['id']}", {"area": site["id"]},
           headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    listed = page.locator(f"li[data-site=\"{site['id']}\"]")
    for _ in range(20):
        page.goto(f"/sites?area={site['id']}")
        if listed.count():
            break
        page.wait_for_timeout(250)
    expect(listed).to_contain_text("2 分钟")


@pytest.mark.browser
def test_the_browser_and_the_server_round_every_duration_alike(open_page, app):
    from flask_babel import force_locale

    from natqueue.web.formatting import duration

    page = open_page("laptop", "/sites")
    shown = page.evaluate("values => values.map(v => [NQ.duration(v), NQ.duration(v, true)])", SECONDS)
    with app.test_request_context(), force_locale("zh_CN"):
        expected = [[duration(v), duration(v, short=True)] for v in SECONDS]
    assert shown == expected
    assert expected[SECONDS.index(72)][0] == "2 分钟" and expected[SECONDS.index(59)][0] == "不到 1 分钟"
