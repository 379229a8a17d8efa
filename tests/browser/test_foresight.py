"""The dashboard card's foresight sentence, in a real Chromium, as the live site changes."""

import pytest
import redis

from natqueue.keys import SiteKeys
from natqueue.store.embedded import EmbeddedRedis
from tests.browser.conftest import ADMIN_TOKEN, staff_headers
from tests.conftest import person

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None

ORGANIZER = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _hm(hhmm: str) -> str:
    return hhmm[1:] if hhmm.startswith("0") else hhmm


def sentence(ahead: dict) -> str:
    """What the card must say, in Chinese, for the figures' foresight block."""
    target = ahead["target_s"] // 60
    if ahead["status"] == "ok":
        return f"按现在的速度，等待不会超过 {target} 分钟"
    when = "现在" if ahead["open_now"] else f"{_hm(ahead['open_by'])} 前"
    return f"{when}再开 {ahead['more']} 个采样台，否则 {_hm(ahead['breach_at'])} 起等待超过 {target} 分钟"


def _station_sampled_for_ten_minutes(live_server, site_id: str, station: int, gap_s: int) -> None:
    """Station ``station``'s last ten minutes of samples, one every ``gap_s`` seconds, kept as the
    sampling script keeps them (a real morning's history; the browser test cannot wait for it)."""
    client = redis.Redis(unix_socket_path=EmbeddedRedis(str(live_server.data_dir)).socket_path,
                         decode_responses=True)
    try:
        seconds, micros = client.time()
        now_ms = seconds * 1000 + micros // 1000
        history = {f"{site_id}.past{i}": now_ms - i * gap_s * 1000 for i in range(1, 600 // gap_s + 1)}
        client.zadd(SiteKeys(site_id).served_at(station), history)
    finally:
        client.close()


@pytest.mark.browser
def test_the_card_says_which_station_to_open_by_when_and_changes_when_it_opens(open_page, api, make_site,
                                                                               live_server, screenshot):
    site = make_site(stations=3)
    staff = staff_headers(api, site)
    for n in (2, 3):
        api.ok("POST", f"/api/v1/sites/{site['id']}/stations/{n}/status", {"status": "closed"}, headers=staff)
    _station_sampled_for_ten_minutes(live_server, site["id"], 1, gap_s=40)  # 90 an hour at one station
    for seed in range(60):  # 60 took a number within the quarter: 240 an hour
        api.ok("POST", f"/api/v1/sites/{site['id']}/tickets", person(700 + seed), status=201)

    page = open_page("laptop")
    page.goto(f"/dashboard?site={site['id']}")
    page.fill("input[name=token]", ADMIN_TOKEN)
    page.click("#organizer-form button[type=submit]")
    card = page.locator(f".dash-site[data-site=\"{site['id']}\"]")
    ahead = api.ok("GET", f"/api/v1/sites/{site['id']}/stats", headers=ORGANIZER)["foresight"]
    assert ahead["status"] == "act" and ahead["stations_open"] == 1 and ahead["more"] >= 1
    line = card.locator(".foresight")
    expect(line).to_have_text(sentence(ahead))
    expect(line).to_have_attribute("data-status", "act")
    expect(card.locator('li[data-alert="foresight"]')).to_contain_text(sentence(ahead))
    screenshot(page, "dashboard-foresight.png")

    for n in (2, 3):  # the push after each change brings the new forecast, no reload
        api.ok("POST", f"/api/v1/sites/{site['id']}/stations/{n}/status", {"status": "open"}, headers=staff)
    ahead = api.ok("GET", f"/api/v1/sites/{site['id']}/stats", headers=ORGANIZER)["foresight"]
    assert ahead["stations_open"] == 3
    expect(line).to_have_text(sentence(ahead))
