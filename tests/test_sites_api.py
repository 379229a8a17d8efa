"""Organizers create sites and get their QR codes; everyone can read a site."""

import xml.etree.ElementTree as ET

from tests.conftest import ADMIN_TOKEN


def test_create_site_returns_staff_code_and_public_view(client, admin):
    response = client.post("/api/v1/sites", json={"id": "bali-cha", "name": "八里岔社区", "address": "北郊街道",
                                                  "stations": 3}, headers=admin)
    assert response.status_code == 201
    body = response.get_json()
    assert body["id"] == "bali-cha" and body["name"] == "八里岔社区"
    assert len(body["staff_code"]) == 8 and body["staff_code"].isdigit()
    assert [s["number"] for s in body["stations"]] == [1, 2, 3]
    assert all(s["status"] == "open" for s in body["stations"])
    public = client.get("/api/v1/sites/bali-cha").get_json()
    assert public["waiting"] == 0 and public["eta_seconds"] == 0
    assert "staff_code" not in public and "staff_code_hash" not in str(public)


def test_duplicate_site_id_conflicts_and_keeps_the_first(client, admin, site):
    response = client.post("/api/v1/sites", json={"id": site["id"], "name": "另一个", "stations": 1},
                           headers=admin)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "site_exists"
    assert client.get(f"/api/v1/sites/{site['id']}").get_json()["name"] == "金域华府"


def test_site_creation_needs_the_organizer(client):
    body = {"id": "x1", "name": "X", "stations": 1}
    assert client.post("/api/v1/sites", json=body).status_code == 401
    wrong = client.post("/api/v1/sites", json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    assert client.get("/api/v1/sites/x1").status_code == 404


def test_bad_site_fields_are_all_named_and_nothing_is_created(client, admin):
    response = client.post("/api/v1/sites", json={"id": "Bad Id!", "name": "", "stations": 51}, headers=admin)
    assert response.status_code == 400
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"id", "name", "stations"}
    assert client.get("/api/v1/sites").get_json()["sites"] == []


def test_stations_must_be_a_whole_number_from_1_to_50(client, admin):
    for bad in (0, 51, "3", 2.5, True, None):
        response = client.post("/api/v1/sites", json={"id": "s", "name": "S", "stations": bad}, headers=admin)
        assert response.status_code == 400, bad
        assert "stations" in response.get_json()["error"]["fields"]
    assert client.post("/api/v1/sites", json={"id": "s", "name": "S", "stations": 50},
                       headers=admin).status_code == 201


def test_non_json_body_is_a_clear_415(client, admin):
    response = client.post("/api/v1/sites", data="not json", headers={**admin, "Content-Type": "text/plain"})
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "json_required"


def test_qr_codes_encode_the_public_join_url(client, site):
    svg = client.get(f"/api/v1/sites/{site['id']}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    ET.fromstring(svg.data)  # well-formed SVG
    png = client.get(f"/api/v1/sites/{site['id']}/qr.png")
    assert png.status_code == 200 and png.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert site["join_url"] == "https://natq.example.cn/s/jinyu-huafu"
    assert client.get("/api/v1/sites/nowhere/qr.svg").status_code == 404


def test_qr_png_decodes_to_the_join_url(client, site):
    """Read the PNG back module by module and compare with a fresh encoding of the URL."""
    import io

    import qrcode
    from PIL import Image

    png = client.get(f"/api/v1/sites/{site['id']}/qr.png").data
    image = Image.open(io.BytesIO(png)).convert("1")
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data("https://natq.example.cn/s/jinyu-huafu")
    code.make(fit=True)
    matrix = code.get_matrix()
    box = image.size[0] // len(matrix)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            pixel = image.getpixel((x * box + box // 2, y * box + box // 2))
            assert (pixel == 0) == dark


def test_rotating_the_staff_code_signs_old_staff_out(client, admin, site, staff):
    assert client.post(f"/api/v1/sites/{site['id']}/stations/1/call", headers=staff).status_code == 200
    rotated = client.post(f"/api/v1/sites/{site['id']}/staff-code", headers=admin)
    assert rotated.status_code == 200
    new_code = rotated.get_json()["staff_code"]
    assert new_code != site["staff_code"]
    assert client.post(f"/api/v1/sites/{site['id']}/stations/1/call", headers=staff).status_code == 403
    old = client.post("/api/v1/auth/staff", json={"site_id": site["id"], "code": site["staff_code"]})
    assert old.status_code == 403
    new = client.post("/api/v1/auth/staff", json={"site_id": site["id"], "code": new_code})
    assert new.status_code == 200


def test_staff_code_guessing_is_cut_off(client, site):
    for _ in range(10):
        r = client.post("/api/v1/auth/staff", json={"site_id": site["id"], "code": "00000000"})
        assert r.status_code == 403
    blocked = client.post("/api/v1/auth/staff", json={"site_id": site["id"], "code": site["staff_code"]})
    assert blocked.status_code == 429


def test_staff_of_one_site_cannot_act_for_another(client, admin, site, staff):
    client.post("/api/v1/sites", json={"id": "other", "name": "别处", "stations": 1}, headers=admin)
    response = client.post("/api/v1/sites/other/stations/1/call", headers=staff)
    assert response.status_code == 403
    organizer = client.post("/api/v1/sites/other/stations/1/call",
                            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert organizer.status_code == 200


def test_staff_sign_in_sets_a_cookie_the_console_uses(client, site):
    response = client.post("/api/v1/auth/staff", json={"site_id": site["id"], "code": site["staff_code"]})
    assert "natq_staff=" in response.headers["Set-Cookie"]
    assert "HttpOnly" in response.headers["Set-Cookie"]
    assert client.get(f"/api/v1/sites/{site['id']}/stations/1").status_code == 200
    client.post("/api/v1/auth/staff/sign-out")
    assert client.get(f"/api/v1/sites/{site['id']}/stations/1").status_code == 401


def test_organizer_sign_in_cookie(client, site):
    assert client.post("/api/v1/auth/organizer", json={"token": "wrong"}).status_code == 403
    assert client.post("/api/v1/auth/organizer", json={"token": ADMIN_TOKEN}).status_code == 200
    assert client.post(f"/api/v1/sites/{site['id']}/staff-code").status_code == 200
