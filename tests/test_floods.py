"""A script cannot fill a site's queue or lock it; every response carries the security headers."""

import re

import pytest

from natqueue.tickets.joining import JOINS_PER_ADDRESS
from tests.conftest import ADMIN_TOKEN, person


@pytest.fixture
def limited(make_app, admin):
    """An app with the join limits natqueue ships with, and a two-station site."""
    client = make_app().test_client()
    assert client.post("/api/v1/sites", json={"id": "jinyu-huafu", "name": "金域华府", "stations": 2},
                       headers=admin).status_code == 201
    return client


def _join(client, site_id, seed, address="203.0.113.9", **headers):
    return client.post(f"/api/v1/sites/{site_id}/tickets", json=person(seed),
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


def _waiting(client, site_id):
    return client.get(f"/api/v1/sites/{site_id}").get_json()["waiting"]


def test_one_address_cannot_fill_the_queue(limited):
    client, site = limited, {"id": "jinyu-huafu"}
    for seed in range(JOINS_PER_ADDRESS):
        assert _join(client, site["id"], seed).status_code == 201
    refused = _join(client, site["id"], 500)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_joins"
    assert 0 < int(refused.headers["Retry-After"]) <= 300
    assert _waiting(client, site["id"]) == JOINS_PER_ADDRESS
    # The next resident, on their own phone, joins as ever.
    assert _join(client, site["id"], 501, address="198.51.100.20").status_code == 201


def test_probing_ids_counts_too(limited):
    """Asking again and again whether an ID is queued is a join refused, and counted."""
    client, site = limited, {"id": "jinyu-huafu"}
    assert _join(client, site["id"], 1).status_code == 201
    answers = [_join(client, site["id"], 1).status_code for _ in range(JOINS_PER_ADDRESS + 3)]
    assert answers[: JOINS_PER_ADDRESS - 1] == [409] * (JOINS_PER_ADDRESS - 1)
    assert answers[-1] == 429


def test_a_retried_join_is_not_counted_again(limited):
    client, site = limited, {"id": "jinyu-huafu"}
    for _ in range(JOINS_PER_ADDRESS + 5):
        assert _join(client, site["id"], 7, **{"Idempotency-Key": "same-tap"}).status_code == 201
    assert _join(client, site["id"], 8).status_code == 201


def test_many_addresses_together_stop_at_the_sites_limit(make_app, admin):
    client = make_app(NATQ_JOINS_PER_SITE=40).test_client()
    client.post("/api/v1/sites", json={"id": "busy", "name": "忙", "stations": 2}, headers=admin)
    answers = [_join(client, "busy", seed, address=f"10.0.{seed // 200}.{seed % 200 + 1}").status_code
               for seed in range(45)]
    assert answers.count(201) == 40 and answers[-5:] == [429] * 5
    assert _waiting(client, "busy") == 40


def test_staff_walk_ins_are_not_limited(limited):
    client, site = limited, {"id": "jinyu-huafu"}
    code = client.get("/api/v1/sites/jinyu-huafu/staff-code", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    token = client.post("/api/v1/auth/staff", json={"site_id": "jinyu-huafu", "code": code.get_json()["staff_code"]})
    staff = {"Authorization": f"Bearer {token.get_json()['token']}"}
    for seed in range(JOINS_PER_ADDRESS + 2):
        body = {**person(seed), "phone": ""}
        response = client.post(f"/api/v1/sites/{site['id']}/stations/1/walk-in", json=body,
                               headers=staff, environ_base={"REMOTE_ADDR": "203.0.113.9"})
        assert response.status_code == 201, response.get_json()


# --- security headers ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/s/jinyu-huafu", "/station/jinyu-huafu/1", "/dashboard",
                                  "/api/v1/sites", "/no-such-page", "/static/js/nq.js"])
def test_every_response_carries_the_security_headers(client, site, path):
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp


def test_a_pages_inline_scripts_carry_the_nonce_of_its_policy(client, site):
    response = client.get("/station/jinyu-huafu/1")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    html = response.get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline)
    assert client.get("/station/jinyu-huafu/1").headers["Content-Security-Policy"] != response.headers[
        "Content-Security-Policy"]  # a new nonce for every page
