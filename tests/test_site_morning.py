"""Frictions of a site's morning for organizers: the staff code looked up again, a restart that
keeps every console signed in, links and tables the command line prints."""

import os
import subprocess
import time

from natqueue.sampling import records
from natqueue.web import get_backend
from natqueue.web.addresses import remember_base_url
from tests.processes import free_port as _free_port
from tests.processes import request as _request
from tests.processes import start_app, stop, wait_until_serving


def test_an_organizer_looks_the_staff_code_up_without_signing_anyone_out(app, client, admin, site, staff):
    found = client.get(f"/api/v1/sites/{site['id']}/staff-code", headers=admin)
    assert found.status_code == 200
    assert found.get_json() == {"site_id": site["id"], "staff_code": site["staff_code"]}
    # The station signed in before the lookup still works: looking up is not rotating.
    assert client.post(f"/api/v1/sites/{site['id']}/stations/1/call", headers=staff).status_code == 200
    with app.app_context():
        log = records.audit_log(get_backend(), site["id"])
    assert [e["action"] for e in log] == ["staff_code_viewed"] and log[0]["who"] == "organizer"


def test_the_staff_code_lookup_is_the_organizers_alone(app, client, site, staff):
    assert app.test_client().get(f"/api/v1/sites/{site['id']}/staff-code").status_code == 401
    assert client.get(f"/api/v1/sites/{site['id']}/staff-code", headers=staff).status_code == 403


def test_the_lookup_gives_the_new_code_after_a_rotation(client, admin, site):
    rotated = client.post(f"/api/v1/sites/{site['id']}/staff-code", headers=admin).get_json()["staff_code"]
    assert rotated != site["staff_code"]
    assert client.get(f"/api/v1/sites/{site['id']}/staff-code", headers=admin).get_json()["staff_code"] == rotated


def _start_demo(data_dir, port):
    env = {**os.environ, "NATQ_DATA_DIR": str(data_dir), "PORT": str(port), "NATQ_ADMIN_TOKEN": "demo-org"}
    for name in ("REDIS_URL", "NATQ_PUBLIC_URL", "NATQ_MESSAGE_QUEUE"):
        env.pop(name, None)
    proc = start_app(env, "--demo", text=True, stdout=subprocess.PIPE)
    lines = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if "demo staff code:" in line:
            _wait_until_serving(f"http://127.0.0.1:{port}")
            return proc, line.split(":")[-1].strip(), lines
    proc.kill()
    raise AssertionError("no demo staff code printed: " + "".join(lines))


def _wait_until_serving(url):
    """The code is printed just before the server starts listening."""
    wait_until_serving(url, "the demo server")


def test_a_demo_restart_keeps_the_staff_code_and_every_signed_in_console(tmp_path):
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc, first_code, lines = _start_demo(tmp_path, port)
    try:
        assert any("QR codes and posters point at this computer only" in line for line in lines)
        status, signed = _request("POST", url + "/api/v1/auth/staff", {"site_id": "demo", "code": first_code})
        assert status == 200
    finally:
        stop(proc)
    proc, second_code, _ = _start_demo(tmp_path, port)
    try:
        assert second_code == first_code
        status, _ = _request("POST", url + "/api/v1/sites/demo/stations/1/call",
                             headers={"Authorization": "Bearer " + signed["token"]})
        assert status == 200  # the console signed in before the restart is still signed in
    finally:
        stop(proc)


def test_site_create_links_to_where_the_server_really_runs(app, runner):
    app.config["NATQ_PUBLIC_URL"] = None
    with app.app_context():
        remember_base_url(get_backend(), "http://192.0.2.7:8123")
    result = runner.invoke(args=["site", "create", "solo", "--name", "独", "--stations", "1"])
    assert result.exit_code == 0, result.output
    assert "(1 station)" in result.output
    assert "http://192.0.2.7:8123/s/solo" in result.output and ":5000" not in result.output


def test_site_list_lines_up_chinese_names(app, runner):
    runner.invoke(args=["site", "create", "a", "--name", "金域华府小区", "--stations", "2"])
    runner.invoke(args=["site", "create", "bb", "--name", "Plaza", "--stations", "1"])
    rows = runner.invoke(args=["site", "list"]).output.splitlines()

    def column(row: str) -> int:  # display columns before "waiting": a Chinese character takes two
        import unicodedata
        head = row[: row.index("waiting")]
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in head)

    assert len(rows) == 2 and column(rows[0]) == column(rows[1])


def test_browsers_get_an_icon_not_a_404(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
