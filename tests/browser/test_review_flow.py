"""Workflow pages as staff see them when something is wrong: what they read must be theirs."""

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None


@pytest.mark.browser
def test_a_refused_walk_in_names_the_field_in_the_staffs_language(open_page, make_site):
    site = make_site()
    page = open_page("laptop", f"/station/{site['id']}/1")
    page.keyboard.type(site["staff_code"])
    page.keyboard.press("Enter")
    expect(page.locator("#scan")).to_be_focused()
    page.locator("#walkin-form [name=name]").fill("赵六")
    page.locator("#walkin-form [name=id_number]").fill("123")
    page.locator("#walkin-form button[type=submit]").click()
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
    page.locator("#home-form [name=name]").fill("孙爷爷")
    page.locator("#home-form button[type=submit]").click()
    message = page.locator("#home-message")
    expect(message).to_contain_text("地址")
    expect(message).not_to_contain_text("address")
