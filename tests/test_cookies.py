"""What the browsers keep: a signed organizer session, Secure behind TLS, a staff sign-out that sticks."""

from tests.conftest import ADMIN_TOKEN


def _set_cookie(response, name: str) -> str:
    found = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]
    assert found, response.headers
    return found[0]


def test_the_organizer_cookie_is_a_signed_session_not_the_token(client, site):
    response = client.post("/api/v1/auth/organizer", json={"token": ADMIN_TOKEN})
    cookie = _set_cookie(response, "natq_org")
    assert ADMIN_TOKEN not in cookie and "HttpOnly" in cookie
    assert client.post(f"/api/v1/sites/{site['id']}/staff-code").status_code == 200  # the session works


def test_the_organizer_token_itself_is_not_a_cookie(app, site):
    """A browser that sets the raw token as its cookie is not signed in: only a session is."""
    browser = app.test_client()
    browser.set_cookie("natq_org", ADMIN_TOKEN)
    assert browser.get(f"/api/v1/sites/{site['id']}/staff-code").status_code == 403


def test_rotating_the_organizer_token_signs_every_organizer_browser_out(app, client, site):
    client.post("/api/v1/auth/organizer", json={"token": ADMIN_TOKEN})
    assert client.get(f"/api/v1/sites/{site['id']}/staff-code").status_code == 200
    app.config["NATQ_ADMIN_TOKEN"] = "a-new-organizer-token"
    assert client.get(f"/api/v1/sites/{site['id']}/staff-code").status_code == 403
    assert client.get("/dashboard").status_code == 401  # the page asks for the token again


def test_cookies_are_secure_behind_a_trusted_tls_proxy(make_app, admin):
    client = make_app(NATQ_TRUSTED_PROXIES=1).test_client()
    site = client.post("/api/v1/sites", json={"id": "tls", "name": "加密", "stations": 1}, headers=admin).get_json()
    tls = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}
    staff = client.post("/api/v1/auth/staff", json={"site_id": "tls", "code": site["staff_code"]}, headers=tls)
    assert "Secure" in _set_cookie(staff, "natq_staff")
    org = client.post("/api/v1/auth/organizer", json={"token": ADMIN_TOKEN}, headers=tls)
    assert "Secure" in _set_cookie(org, "natq_org")


def test_a_forwarded_proto_from_anyone_is_not_believed(client, site):
    """Without a configured proxy the header is whatever the client wrote: it proves no TLS."""
    staff = client.post("/api/v1/auth/staff", json={"site_id": site["id"], "code": site["staff_code"]},
                        headers={"X-Forwarded-Proto": "https"})
    assert "Secure" not in _set_cookie(staff, "natq_staff")


def test_staff_sign_out_revokes_that_token(app, client, site):
    signed = client.post("/api/v1/auth/staff", json={"site_id": site["id"], "code": site["staff_code"]})
    token = signed.get_json()["token"]
    other = app.test_client().post("/api/v1/auth/staff", json={"site_id": site["id"], "code": site["staff_code"]}
                                   ).get_json()["token"]
    station = f"/api/v1/sites/{site['id']}/stations/1"
    assert client.get(station).status_code == 200
    assert client.post("/api/v1/auth/staff/sign-out").status_code == 200
    # A copy of the signed-out token (kept by a script, or read off the laptop) no longer works...
    stolen = app.test_client().get(station, headers={"Authorization": f"Bearer {token}"})
    assert stolen.status_code == 403
    # ...while the station signed in elsewhere goes on: one sign-out is not a code rotation.
    assert app.test_client().get(station, headers={"Authorization": f"Bearer {other}"}).status_code == 200


def test_a_script_signs_its_bearer_token_out(app, client, site, staff):
    assert client.post("/api/v1/auth/staff/sign-out", headers=staff).status_code == 200
    fresh = app.test_client()
    assert fresh.get(f"/api/v1/sites/{site['id']}/stations/1", headers=staff).status_code == 403
