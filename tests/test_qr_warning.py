"""A poster whose QR code opens on no phone is found on screen, not at 6 a.m. on the wall."""

import pytest

from tests.conftest import ADMIN_TOKEN

PAGES = ["/sites/jinyu-huafu/poster", "/organizer/sites", "/organizer/sites/jinyu-huafu", "/dashboard"]


def _page(client, path) -> str:
    response = client.get(path, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("public", [None, "http://127.0.0.1:5000", "http://localhost:5000", "http://[::1]:5000",
                                    "http://127.0.1.1:8000"])
def test_a_qr_code_for_this_computer_is_said_in_red_with_the_fix(app, client, site, path, public):
    app.config["NATQ_PUBLIC_URL"] = public  # None: the request's host (the test client's: localhost)
    html = _page(client, path)
    assert 'id="qr-warning"' in html
    assert "HOST=0.0.0.0 NATQ_PUBLIC_URL=http://" in html
    assert "python app.py" in html


@pytest.mark.parametrize("path", PAGES)
def test_a_qr_code_phones_can_open_says_nothing(app, client, site, path):
    app.config["NATQ_PUBLIC_URL"] = "http://192.168.1.20:5000"
    assert 'id="qr-warning"' not in _page(client, path)


def test_the_fix_names_this_computers_port(app, client, site):
    app.config["NATQ_PUBLIC_URL"] = "http://127.0.0.1:8123"
    html = _page(client, PAGES[0])
    assert ":8123 python app.py" in html and "http://127.0.0.1:8123" in html
