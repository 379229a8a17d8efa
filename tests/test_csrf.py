"""Another page cannot act with a signed-in browser's cookies.

A plain HTML form on another port of the same host (the same *site* for SameSite cookies, so
the browser sent them) made a station call and rotated the staff code. A state change
authenticated by cookie must come from natqueue's own pages (Origin, else Referer), and no
state change accepts a form body: the pages send JSON.
"""

import pytest

from tests.conftest import ADMIN_TOKEN

EVIL = "http://localhost:8081"  # another port of the same host: same site, other origin
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def signed_in(client, site):
    """A station's browser: signed in by cookie only, as the console is."""
    assert client.post("/api/v1/auth/staff", json={"site_id": site["id"], "code": site["staff_code"]}
                       ).status_code == 200
    return client


@pytest.fixture
def organizer_browser(client):
    assert client.post("/api/v1/auth/organizer", json={"token": ADMIN_TOKEN}).status_code == 200
    return client


def _waiting(client, site):
    return client.get(f"/api/v1/sites/{site['id']}").get_json()["waiting"]


def test_a_cross_origin_form_cannot_call_the_next_person(signed_in, site, join):
    join(1)
    response = signed_in.post(f"/api/v1/sites/{site['id']}/stations/1/call", data="x=1", content_type=FORM,
                              headers={"Origin": EVIL})
    assert response.status_code in (403, 415)
    assert response.get_json()["error"]["code"] in ("cross_origin", "json_required")
    assert _waiting(signed_in, site) == 1


def test_a_cross_origin_request_without_a_body_cannot_call_either(signed_in, site, join):
    """fetch(url, {method: 'POST', mode: 'no-cors', credentials: 'include'}): no body, an Origin."""
    join(2)
    response = signed_in.post(f"/api/v1/sites/{site['id']}/stations/1/call", headers={"Origin": EVIL})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "cross_origin"
    assert _waiting(signed_in, site) == 1


def test_a_cross_origin_form_cannot_rotate_the_staff_code(organizer_browser, site):
    url = f"/api/v1/sites/{site['id']}/staff-code"
    response = organizer_browser.post(url, data="", content_type=FORM, headers={"Origin": EVIL})
    assert response.status_code in (403, 415)
    response = organizer_browser.post(url, headers={"Origin": EVIL})
    assert response.status_code == 403
    assert organizer_browser.get(url).get_json()["staff_code"] == site["staff_code"]


def test_a_referer_from_elsewhere_is_refused_when_no_origin_is_sent(signed_in, site, join):
    join(3)
    response = signed_in.post(f"/api/v1/sites/{site['id']}/stations/1/call",
                              headers={"Referer": EVIL + "/prize.html"})
    assert response.status_code == 403 and _waiting(signed_in, site) == 1


def test_a_sandboxed_page_null_origin_is_refused(signed_in, site, join):
    join(4)
    response = signed_in.post(f"/api/v1/sites/{site['id']}/stations/1/call", headers={"Origin": "null"})
    assert response.status_code == 403 and _waiting(signed_in, site) == 1


def test_the_consoles_own_requests_go_through(signed_in, site, join):
    join(5)
    response = signed_in.post(f"/api/v1/sites/{site['id']}/stations/1/call", json={},
                              headers={"Origin": "http://localhost"})
    assert response.status_code == 200 and response.get_json()["ticket"] is not None
    response = signed_in.post(f"/api/v1/sites/{site['id']}/stations/1/status", json={"status": "paused"},
                              headers={"Referer": "http://localhost/station/jinyu-huafu/1"})
    assert response.status_code == 200


def test_the_public_address_is_an_origin_of_ours(signed_in, site):
    """Behind a proxy that rewrites Host, the pages' origin is NATQ_PUBLIC_URL's."""
    response = signed_in.post(f"/api/v1/sites/{site['id']}/stations/1/status", json={"status": "paused"},
                              headers={"Origin": "https://natq.example.cn"})
    assert response.status_code == 200


def test_scripts_with_a_bearer_token_send_no_origin_and_need_none(client, site, staff, join):
    join(6)
    response = client.post(f"/api/v1/sites/{site['id']}/stations/1/call", headers={**staff, "Origin": EVIL})
    assert response.status_code == 200


def test_no_state_change_takes_a_form_body(client, site):
    """Not even a join, which needs no cookie: a form on any page could fill the queue."""
    for content_type in (FORM, "text/plain", "multipart/form-data; boundary=x"):
        response = client.post(f"/api/v1/sites/{site['id']}/tickets", data="name=x", content_type=content_type)
        assert response.status_code == 415, content_type
        assert response.get_json()["error"]["code"] == "json_required"
    assert _waiting(client, site) == 0
