"""A district's dashboard: thirty sites in one table, worst first, sortable, and charts that say
what they show."""

import pytest

from tests.browser.conftest import ADMIN_TOKEN
from tests.conftest import make_id_number

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
RANK = {"congested": 2, "busy": 1, "flowing": 0}


def _district(api, make_site, count=30):
    """``count`` one-station sites with 0–4 people waiting; every third one reads busy or
    congested early (thresholds of 1 and 2 minutes, at the default 30 s a person)."""
    sites, seed = [], 0
    for k in range(count):
        site = make_site(stations=1, name=f"{['城南', '城北', '河西'][k % 3]}{k // 3 + 1}号点")
        if k % 3 == 0:
            api.ok("PATCH", f"/api/v1/sites/{site['id']}", {"band_busy_min": 1, "band_congested_min": 2},
                   headers=ADMIN)
        for _ in range(k % 5):
            seed += 1
            person = {"name": f"居民{seed}", "phone": f"139{seed:08d}",
                      "id_number": make_id_number(500 + seed, birth="19900101")}
            api.ok("POST", f"/api/v1/sites/{site['id']}/tickets", person, status=201)
        sites.append(site)
    return sites


def _rows(page):
    return page.evaluate("""() => Array.from(document.querySelectorAll('#district-table tbody tr'), tr => ({
        site: tr.dataset.site, band: tr.dataset.band,
        waiting: Number(tr.querySelector('.waiting').textContent),
        name: tr.querySelector('.name').textContent}))""")


@pytest.mark.browser
def test_thirty_sites_in_one_table_worst_first_and_sorted_by_any_column(open_page, api, make_site, screenshot):
    sites = _district(api, make_site)
    page = open_page("laptop")
    query = "&".join(f"site={s['id']}" for s in sites)
    page.goto(f"/dashboard?{query}")
    page.fill("input[name=token]", ADMIN_TOKEN)
    page.click("#organizer-form button[type=submit]")
    table = page.locator("#district-table tbody tr")
    expect(table).to_have_count(30, timeout=20_000)  # thirty sites' figures, on a busy test machine
    figures = {s["site_id"]: s for s in (api.ok("GET", f"/api/v1/sites/{x['id']}/stats", headers=ADMIN)
                                         for x in sites)}

    rows = _rows(page)
    worst = [(-RANK[figures[r["site"]]["band"]], -(figures[r["site"]]["eta_join_s"] or 0)) for r in rows]
    assert worst == sorted(worst), "worst first: congested, busy, flowing, then the longest estimate"
    assert rows[0]["band"] == "congested" and rows[-1]["band"] == "flowing"
    assert [r["waiting"] for r in rows] == [figures[r["site"]]["waiting"] for r in rows]
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "dashboard-district.png")

    page.click('th[data-sort="waiting"] button')
    waiting = [r["waiting"] for r in _rows(page)]
    assert waiting == sorted(waiting, reverse=True) and waiting[0] == 4
    expect(page.locator('th[data-sort="waiting"]')).to_have_attribute("aria-sort", "descending")
    page.click('th[data-sort="waiting"] button')  # again: the other way
    assert [r["waiting"] for r in _rows(page)] == sorted(waiting)
    page.click('th[data-sort="name"] button')
    assert page.locator('th[data-sort="name"]').get_attribute("aria-sort") == "ascending"

    # A row leads to its site's card.
    target = _rows(page)[-1]["site"]
    page.locator(f'#district-table tr[data-site="{target}"] .name a').click()
    card = page.locator(f'.dash-site[data-site="{target}"]')
    expect(card).to_be_in_viewport()
    assert page.evaluate("location.hash") == f"#site-{target}"


@pytest.mark.browser
def test_the_charts_have_titles_and_axes_with_units(open_page, api, make_site):
    site = make_site()
    api.ok("POST", f"/api/v1/sites/{site['id']}/tickets",
           {"name": "吴九", "phone": "13900000019", "id_number": make_id_number(19, birth="19900101")}, status=201)
    page = open_page("laptop")
    page.goto(f"/dashboard?site={site['id']}")
    page.fill("input[name=token]", ADMIN_TOKEN)
    page.click("#organizer-form button[type=submit]")
    card = page.locator(f".dash-site[data-site=\"{site['id']}\"]")
    expect(card).to_be_visible()
    page.wait_for_function("() => document.querySelector('.chart-waits') && window.Chart && "
                           "Chart.getChart(document.querySelector('.chart-waits'))")
    described = page.evaluate("""() => ['.chart-throughput', '.chart-waits'].map(sel => {
        const o = Chart.getChart(document.querySelector(sel)).options;
        return [o.plugins.title.display && o.plugins.title.text,
                o.scales.x.title.display && o.scales.x.title.text, o.scales.y.title.display && o.scales.y.title.text];
    })""")
    (t_title, t_x, t_y), (w_title, w_x, w_y) = described
    assert t_title and w_title and t_title != w_title
    assert "15" in t_x and t_x == w_x  # quarter hours of the site's day
    assert "每小时" in t_y and "分钟" in w_y  # the units
    expect(page.locator("#district")).to_be_hidden()  # one site: its card says it all
    # Nobody rostered yet: one calm notice for the site, no red alarm per station.
    expect(card.locator('li[data-notice="no_roster"]')).to_contain_text("还没有")
    expect(card.locator('li[data-alert^="understaffed"]')).to_have_count(0)
