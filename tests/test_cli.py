"""Organizers at a terminal: flask --app app site ..."""

from natqueue.sites import registry, staff_code
from natqueue.web import get_backend


def test_site_create_prints_code_and_urls(app, runner):
    result = runner.invoke(args=["site", "create", "jinyu-huafu", "--name", "金域华府", "--stations", "3"])
    assert result.exit_code == 0, result.output
    assert "staff code:" in result.output and "https://natq.example.cn/s/jinyu-huafu" in result.output
    code = result.output.split("staff code:")[1].split()[0]
    with app.app_context():
        site = registry.get_site(get_backend(), "jinyu-huafu")
        assert site["name"] == "金域华府" and len(site["stations"]) == 3
        assert staff_code.check_staff_code(get_backend(), "jinyu-huafu", code) == 1


def test_site_create_refuses_duplicates_and_bad_input(app, runner):
    assert runner.invoke(args=["site", "create", "a1", "--name", "一"]).exit_code == 0
    again = runner.invoke(args=["site", "create", "a1", "--name", "二"])
    assert again.exit_code != 0 and "already exists" in again.output
    bad = runner.invoke(args=["site", "create", "Not OK", "--name", "三"])
    assert bad.exit_code != 0
    too_many = runner.invoke(args=["site", "create", "b1", "--name", "四", "--stations", "51"])
    assert too_many.exit_code != 0
    with app.app_context():
        assert registry.list_site_ids(get_backend()) == ["a1"]
        assert registry.get_site(get_backend(), "a1")["name"] == "一"


def test_site_list_and_rotate(app, runner):
    runner.invoke(args=["site", "create", "c1", "--name", "丙", "--stations", "2"])
    listed = runner.invoke(args=["site", "list"])
    assert "c1" in listed.output and "open 2/2" in listed.output
    rotated = runner.invoke(args=["site", "rotate-code", "c1"])
    assert rotated.exit_code == 0 and len(rotated.output.strip()) == 8
    assert runner.invoke(args=["site", "rotate-code", "nope"]).exit_code != 0
