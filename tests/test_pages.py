"""The pages people open: a resident's phone page and a station console."""


def test_resident_page_shows_the_site_and_the_queue(client, site, join):
    join(1)
    page = client.get(f"/s/{site['id']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "金域华府" in html and 'id="join-form"' in html
    assert 'id="site-waiting">1<' in html
    assert page.headers["Cache-Control"] == "no-store"
    # Assets come from this server, never a CDN.
    assert "/static/vendor/socket.io-4.8.4.min.js" in html and "https://" not in html.split("<script>")[0]


def test_unknown_site_page_is_404(client):
    assert client.get("/s/nowhere").status_code == 404
    assert client.get("/station/nowhere/1").status_code == 404


def test_station_console_asks_for_sign_in_first(app, client, site):
    page = client.get(f"/station/{site['id']}/1").get_data(as_text=True)
    assert 'id="signin"' in page and 'id="console" class="console" hidden' in page
    client.post("/api/v1/auth/staff", json={"site_id": site["id"], "code": site["staff_code"]})
    signed_in = client.get(f"/station/{site['id']}/1").get_data(as_text=True)
    assert 'id="signin" class="card" hidden' in signed_in
    assert client.get(f"/station/{site['id']}/3").status_code == 404


def test_vendored_scripts_are_served(client):
    for path in ("vendor/socket.io-4.8.4.min.js", "js/resident.js", "js/station.js", "css/natqueue.css"):
        response = client.get(f"/static/{path}")
        assert response.status_code == 200 and len(response.data) > 1000, path
        response.close()


def test_resident_page_shows_the_opening_hours_the_organizer_set(client, site, admin):
    url = f"/s/{site['id']}"
    assert 'id="site-hours"' not in client.get(url).get_data(as_text=True)
    client.patch(f"/api/v1/sites/{site['id']}", json={"opens": "07:00", "closes": "11:30"}, headers=admin)
    assert "开放时间 07:00–11:30" in client.get(url).get_data(as_text=True)
    assert "Open 07:00–11:30" in client.get(url + "?lang=en").get_data(as_text=True)
