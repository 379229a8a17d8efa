"""The what-if page in a real Chromium: an organizer plans a round and reads the answer."""

import pytest

from tests.browser.conftest import ADMIN_TOKEN

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None


def _fill(page, **fields):
    for name, value in fields.items():
        page.fill(f'#plan-form [name="{name}"]', str(value))


@pytest.mark.browser
def test_an_organizer_plans_a_round_and_sees_waits_and_staff_by_hour(open_page, screenshot):
    page = open_page("laptop", "/organizer/plan")
    page.fill("input[name=token]", ADMIN_TOKEN)
    page.click("#organizer-form button[type=submit]")
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    expect(page.locator("h1")).to_have_text("规划一轮采样")

    # 4,800 residents over six hours at one point, five stations: one short of the target.
    _fill(page, residents=4800, points=1, stations=5, **{"from": "06:30", "to": "12:30"})
    page.click("#plan-form button[type=submit]")
    verdict = page.locator("#plan-verdict")
    expect(verdict).to_have_attribute("data-ok", "0")
    expect(verdict).to_contain_text("请每点开 6 个采样台")
    expect(page.locator('[data-f="needed"]')).to_have_text("6")
    expect(page.locator('[data-f="guideline"]')).to_have_text("6–8")
    first = page.locator('#plan-hours tr[data-hour="06:00"]')
    expect(first.locator(".staff-total")).to_have_text("35")  # 5 stations x (1 + 2 + 4)
    expect(page.locator('#plan-hours tr[data-hour="12:00"]')).to_have_class("st-paused")  # past the target

    _fill(page, stations=6)
    page.click("#plan-form button[type=submit]")
    expect(verdict).to_have_attribute("data-ok", "1")
    expect(first.locator(".staff-total")).to_have_text("42")
    screenshot(page, "organizer-plan.png")

    _fill(page, **{"from": "12:30", "to": "06:30"})
    page.click("#plan-form button[type=submit]")
    expect(page.locator("#plan-error")).to_contain_text("采样结束时间")
    expect(page.locator('#plan-form [name="to"]')).to_have_attribute("aria-invalid", "true")
