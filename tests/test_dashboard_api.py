"""The organizer's API, pages and live figures over Socket.IO, through the real app."""

import time

from tests.conftest import ADMIN_TOKEN


def _watching(socket_client, site):
    """An organizer's dashboard watching ``site``, its first figures already taken in."""
    board = socket_client(headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert board.emit("watch_dashboard", {"site_ids": [site["id"]]}, callback=True)["ok"]
    board.get_received()
    return board


def _call_and_sample(client, site, staff, station=1):
    ticket = client.post(f"/api/v1/sites/{site['id']}/stations/{station}/call", headers=staff).get_json()["ticket"]
    assert client.post(f"/api/v1/tickets/{ticket['id']}/check-in", headers=staff).status_code == 200
    assert client.post(f"/api/v1/tickets/{ticket['id']}/sampled", headers=staff).status_code == 200
    return ticket


def test_stats_need_the_organizer(app, client, site, staff, admin):
    url = f"/api/v1/sites/{site['id']}/stats"
    assert app.test_client().get(url).status_code == 401
    assert client.get(url, headers=staff).status_code == 403
    body = client.get(url, headers=admin).get_json()
    assert body["site_id"] == site["id"] and body["band"] == "flowing"
    assert [s["number"] for s in body["stations"]] == [1, 2]
    assert client.get("/api/v1/sites/nowhere/stats", headers=admin).status_code == 404


def test_a_sample_shows_in_throughput(client, site, staff, admin, join):
    join(1)
    _call_and_sample(client, site, staff)
    body = client.get(f"/api/v1/sites/{site['id']}/stats", headers=admin).get_json()
    assert body["throughput"]["today"] == 1
    assert body["stations"][0]["per_hour_15"] == 4 and body["stations"][0]["today"] == 1
    assert body["waits"]["count_today"] == 1


def test_pause_reason_is_kept_and_shown(client, site, staff, admin, join):
    url = f"/api/v1/sites/{site['id']}/stations/2/status"
    bad = client.post(url, json={"status": "paused", "reason": "nap"}, headers=staff)
    assert bad.status_code == 400 and bad.get_json()["error"]["fields"] == {"reason": "unknown"}
    answer = client.post(url, json={"status": "paused", "reason": "disinfection"}, headers=staff).get_json()
    assert answer == {"station": 2, "status": "paused", "reason": "disinfection"}
    join(1)
    stats = client.get(f"/api/v1/sites/{site['id']}/stats", headers=admin).get_json()
    assert stats["stations"][1]["reason"] == "disinfection"
    assert "paused:2" in {a["id"] for a in stats["alerts"]}
    board = client.get(f"/api/v1/sites/{site['id']}/board").get_json()
    assert board["stations"][1]["reason"] == "disinfection"
    client.post(url, json={"status": "open"}, headers=staff)
    board = client.get(f"/api/v1/sites/{site['id']}/board").get_json()
    assert board["stations"][1]["reason"] is None and board["stations"][1]["status"] == "open"


def test_roster_put_get_and_refusals(app, client, site, staff, admin):
    url = f"/api/v1/sites/{site['id']}/stations/1/roster"
    assert app.test_client().get(url).status_code == 401
    people = [{"name": "王医生", "role": "medic"}, {"name": "李干部", "role": "cadre"}]
    body = client.put(url, json={"people": people}, headers=staff).get_json()
    assert [p["name"] for p in body["people"]] == ["王医生", "李干部"]
    assert body["staffing"]["gaps"] == {"cadre": 1, "worker_entry": 2, "worker_order": 2}
    assert body["shift"]["name"] in ("day", "night")
    assert {(h["name"], h["move"]) for h in body["history"]} == {("王医生", "in"), ("李干部", "in")}
    bad = client.put(url, json={"people": [{"name": "x", "role": "boss"}]}, headers=staff)
    assert bad.status_code == 400 and "people[0].role" in bad.get_json()["error"]["fields"]
    dup = client.put(url, json={"people": [people[0], people[0]]}, headers=staff)
    assert dup.status_code == 400
    assert client.get(url, headers=admin).get_json()["people"][0]["name"] == "王医生"  # nothing changed
    assert client.get(f"/api/v1/sites/{site['id']}/stations/9/roster", headers=admin).status_code == 404


def test_alert_acknowledged_by_the_organizer(client, site, staff, admin, join):
    join(1)
    client.post(f"/api/v1/sites/{site['id']}/stations/1/status", json={"status": "paused", "reason": "meal"},
                headers=staff)
    stats = client.get(f"/api/v1/sites/{site['id']}/stats", headers=admin).get_json()
    assert "paused:1" in {a["id"] for a in stats["alerts"]}
    url = f"/api/v1/sites/{site['id']}/alerts/paused:1/ack"
    assert client.post(url, headers=staff).status_code == 403
    assert client.post(url, headers=admin).status_code == 200
    alert = next(a for a in client.get(f"/api/v1/sites/{site['id']}/stats", headers=admin).get_json()["alerts"]
                 if a["id"] == "paused:1")
    assert alert["acked_ms"] and alert["active"]
    assert client.post(f"/api/v1/sites/{site['id']}/alerts/nothing/ack", headers=admin).status_code == 404


def test_site_settings_and_more_stations(client, site, admin):
    url = f"/api/v1/sites/{site['id']}"
    bad = client.patch(url, json={"opens": "25:00", "band_busy_min": 0, "colour": "red"}, headers=admin)
    assert bad.status_code == 400
    assert set(bad.get_json()["error"]["fields"]) == {"colour"}
    bad = client.patch(url, json={"opens": "25:00", "band_busy_min": 0}, headers=admin)
    assert set(bad.get_json()["error"]["fields"]) == {"opens", "band_busy_min"}
    assert client.patch(url, json={"stations": 1}, headers=admin).status_code == 409
    body = client.patch(url, json={"name": "金域华府东门", "opens": "07:00", "closes": "21:30", "stations": 3,
                                   "standard": {"medic": 1, "cadre": 1, "worker_entry": 1, "worker_order": 1}},
                        headers=admin).get_json()
    assert body["name"] == "金域华府东门"
    assert [s["status"] for s in body["stations"]] == ["open", "open", "closed"]
    assert body["settings"]["opens"] == "07:00" and body["settings"]["standard"]["cadre"] == 1
    assert client.patch(url, json={"name": "x"}).status_code == 401


def test_pages_need_the_organizer(client, site):
    for path in ("/dashboard", "/organizer/sites", f"/organizer/sites/{site['id']}"):
        page = client.get(path)
        assert page.status_code == 401 and "organizer-form" in page.get_data(as_text=True)
    client.post("/api/v1/auth/organizer", json={"token": ADMIN_TOKEN})
    assert "site-template" in client.get("/dashboard").get_data(as_text=True)
    listing = client.get("/organizer/sites").get_data(as_text=True)
    assert "金域华府" in listing and "create-site" in listing
    assert "rotate" in client.get(f"/organizer/sites/{site['id']}").get_data(as_text=True)


def test_public_sites_list_and_calmer_suggestion(client, admin, site, join):
    other = client.post("/api/v1/sites", json={"id": "dongmen", "name": "东门广场", "stations": 2},
                        headers=admin).get_json()
    # 110 people at the first site, 2 stations at 15 s a person: about 28 min, congested from 25.
    client.patch(f"/api/v1/sites/{site['id']}", json={"band_busy_min": 10, "band_congested_min": 25},
                 headers=admin)
    for seed in range(110):
        join(seed)
    listing = client.get("/api/v1/public/sites").get_json()["sites"]
    assert [s["id"] for s in listing] == [other["id"], site["id"]]
    crowded_first = client.get("/api/v1/stats", headers=admin).get_json()["sites"]
    assert [(s["site_id"], s["band"]) for s in crowded_first] == [(site["id"], "congested"), (other["id"], "flowing")]
    assert "staff_code" not in str(listing) and "alerts" not in listing[0]
    assert listing[1]["band"] == "congested" and listing[0]["band"] == "flowing"
    page = client.get("/sites?lang=zh_CN").get_data(as_text=True)
    assert "拥挤" in page and "畅通" in page
    join_page = client.get(f"/s/{site['id']}").get_data(as_text=True)
    assert 'id="calmer-site"' in join_page and "/s/dongmen" in join_page
    assert 'id="calmer-site"' not in client.get("/s/dongmen").get_data(as_text=True)


def test_display_and_poster(client, site, staff, join):
    first = join(1)
    join(2)
    client.post(f"/api/v1/sites/{site['id']}/stations/2/call", headers=staff)
    board = client.get(f"/api/v1/sites/{site['id']}/board").get_json()
    assert board["stations"][1]["calling"] == first["number"]
    assert board["recent"][0] == {**board["recent"][0], "number": first["number"], "station": 2, "type": "called"}
    assert board["next"] == ["A002"] and board["waiting"] == 1
    assert "居民" not in str(board)  # numbers only, never names
    page = client.get(f"/display/{site['id']}?lang=zh_CN").get_data(as_text=True)
    assert "请 %(number)s 号到 %(n)s 号采样台" not in page and "请 {number} 号到 {n} 号采样台" in page
    poster = client.get(f"/sites/{site['id']}/poster").get_data(as_text=True)
    assert "扫码排队" in poster and "金域华府" in poster
    assert f"/api/v1/sites/{site['id']}/qr.svg" in poster
    assert client.get("/sites/nowhere/poster").status_code == 404


def test_watch_dashboard_refuses_a_resident(socket_client, site, join):
    ticket = join(1)
    phone = socket_client()
    assert phone.emit("watch_ticket", {"ticket_id": ticket["id"], "token": ticket["token"]}, callback=True)["ok"]
    answer = phone.emit("watch_dashboard", {}, callback=True)
    assert answer["ok"] is False and answer["error"]["code"] == "forbidden"
    phone.get_received()
    # Refused means not in the room: a change at the site brings this phone no figures.
    join(2)
    assert all(m["name"] != "stats" for m in phone.get_received())


def test_dashboard_sees_throughput_change_after_a_sample(socket_client, client, site, staff, join):
    join(1)
    board = socket_client(headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    answer = board.emit("watch_dashboard", {"site_ids": [site["id"]]}, callback=True)
    assert answer["ok"] and answer["sites"][0]["throughput"]["today"] == 0
    board.get_received()
    _call_and_sample(client, site, staff)
    pushed = [m["args"][0] for m in board.get_received() if m["name"] == "stats"]
    assert pushed and pushed[-1]["throughput"]["today"] == 1
    assert pushed[-1]["stations"][0]["per_hour_15"] == 4


def test_watch_dashboard_with_the_token_in_the_message(socket_client, site):
    board = socket_client()
    assert board.emit("watch_dashboard", {"token": "wrong"}, callback=True)["ok"] is False
    answer = board.emit("watch_dashboard", {"token": ADMIN_TOKEN}, callback=True)
    assert answer["ok"] and [s["site_id"] for s in answer["sites"]] == [site["id"]]




def test_pushes_are_coalesced_per_site_across_processes(app, socket_client, site, join, redis_client):
    """Twenty changes in a burst: one push, carrying all of them. While another process
    holds the site's window (its claim in Redis), this one schedules nothing."""
    from natqueue.keys import SiteKeys
    from natqueue.web import push

    app.config["NATQ_DASH_COALESCE_MS"] = 200
    board = _watching(socket_client, site)
    for seed in range(20):
        join(seed)
    mine = [key for key in push._pending if key == (id(app), site["id"])]
    assert len(mine) == 1
    push._pending[mine[0]].join(timeout=5)
    pushed = [m["args"][0] for m in board.get_received() if m["name"] == "stats"]
    assert len(pushed) == 1 and pushed[0]["waiting"] == 20

    redis_client.delete(SiteKeys(site["id"]).dash_push)
    redis_client.set(SiteKeys(site["id"]).dash_push, "1", px=5000)  # another process's window
    join(21)
    assert (id(app), site["id"]) not in push._pending


def test_a_busy_district_widens_the_push_window_so_pushes_keep_to_their_budget(
        app, socket_client, site, join, redis_client, monkeypatch):
    """200 sites pushed lately at 2 ms each would take 0.4 s of every 300 ms window: the window
    widens to 2 s (a fifth of the process), and the site's figures still come, in one push. However
    costly pushes seem, the window stays within two seconds."""
    from natqueue.keys import SiteKeys
    from natqueue.web import push

    monkeypatch.setattr(push, "_cost", {"ms": 2.0})
    monkeypatch.setattr(push, "_last_push", {f"other-{n}": time.monotonic() for n in range(199)})
    app.config["NATQ_DASH_COALESCE_MS"] = 300
    assert push.window_ms(300) == int(199 * 2.0 / push.PUSH_BUDGET)
    push._cost["ms"] = 50.0  # a loaded process stretches what a push seems to cost
    assert push.window_ms(300) == push.MAX_WINDOW_MS == 2000
    push._cost["ms"] = 2.0
    board = _watching(socket_client, site)
    for seed in range(5):
        join(seed)
    assert redis_client.pttl(SiteKeys(site["id"]).dash_push) > 1000  # the claim holds the wider window
    push._pending[(id(app), site["id"])].join(timeout=10)
    pushed = [m["args"][0] for m in board.get_received() if m["name"] == "stats"]
    assert len(pushed) == 1 and pushed[0]["waiting"] == 5


def test_a_quiet_site_is_refreshed_so_a_long_wait_raises_its_alert(app, client, socket_client, site, staff, join):
    """Nothing happens at the site (every station paused for a meal): no change pushes
    anything, yet the first in line passes the 30-minute target. The refresh that runs
    while a dashboard watches brings the longer wait and raises the alert."""
    from natqueue.web import push

    backend = app.extensions["natqueue"]
    now = [backend.now_ms()]
    backend.clock = lambda: now[0]
    first = join(1)
    for n in (1, 2):
        client.post(f"/api/v1/sites/{site['id']}/stations/{n}/status", json={"status": "paused", "reason": "meal"},
                    headers=staff)
    board = socket_client(headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    answer = board.emit("watch_dashboard", {"site_ids": [site["id"]]}, callback=True)
    assert answer["ok"] and "long_wait" not in {a["id"] for a in answer["sites"][0]["alerts"]}
    assert id(app) in push._tickers  # watching starts this process's refresh
    board.get_received()

    now[0] += 31 * 60_000  # 31 minutes later, with no change at the site
    assert push.refresh_watched(app) == [site["id"]]
    pushed = [m["args"][0] for m in board.get_received() if m["name"] == "stats"]
    assert pushed and pushed[-1]["waits"]["longest_s"] == 31 * 60
    long_wait = next(a for a in pushed[-1]["alerts"] if a["id"] == "long_wait")
    assert long_wait["detail"] == {"minutes": 31, "seconds": 31 * 60, "number": first["number"]}

    board.disconnect()  # nobody watches any more: nothing to refresh
    assert push.refresh_watched(app) == []


def test_the_calling_screen_speaks_chinese_whatever_the_tv_browser_prefers(app, site):
    """A TV's browser often ships set to English; the residents in front of it hear Chinese."""
    tv = app.test_client()
    page = tv.get(f"/display/{site['id']}", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "请 {number} 号到 {n} 号采样台" in page and "please go to" not in page
    english = tv.get(f"/display/{site['id']}?lang=en").get_data(as_text=True)  # unless asked for, plainly
    assert '<html lang="en">' in english and "please go to sampling station {n}" in english


def test_a_site_with_every_station_paused_or_closed_is_not_offered_as_calmer(client, admin, site, staff, join):
    """Residents pick from the list: a site nobody can be sampled at now (every station
    paused, or closed) goes after the ones taking people, and is never the suggestion."""
    def make(site_id, name):
        body = client.post("/api/v1/sites", json={"id": site_id, "name": name, "stations": 1}, headers=admin)
        return body.get_json()

    paused, closed, open_ = make("a-paused", "全暂停"), make("b-closed", "已关门"), make("c-open", "西门")
    for other, status in ((paused, "paused"), (closed, "closed")):
        code = other["staff_code"]
        token = client.post("/api/v1/auth/staff", json={"site_id": other["id"], "code": code}).get_json()["token"]
        client.post(f"/api/v1/sites/{other['id']}/stations/1/status", json={"status": status, "reason": "meal"},
                    headers={"Authorization": f"Bearer {token}"})
    for seed in range(3):
        join(seed, site_id=open_["id"])  # 3 people: about 2 min at c-open
    client.patch(f"/api/v1/sites/{site['id']}", json={"band_busy_min": 1, "band_congested_min": 2}, headers=admin)
    for seed in range(10, 20):
        join(seed)  # congested here
    listing = [s["id"] for s in client.get("/api/v1/public/sites").get_json()["sites"]]
    assert listing.index("c-open") < listing.index("a-paused") < listing.index("b-closed")
    assert listing[0] == "c-open"
    join_page = client.get(f"/s/{site['id']}").get_data(as_text=True)
    assert 'id="calmer-site"' in join_page and "/s/c-open" in join_page and "/s/a-paused" not in join_page


def test_the_calling_screen_shows_the_next_numbers_in_calling_order(client, site, staff):
    """An elderly resident who joined late is called before the regular queue: the TV's
    'next numbers' say so, in the order the stations will call them."""
    from tests.flow_helpers import elderly, join_as

    regular = [join_as(client, site["id"], seed) for seed in (1, 2, 3)]
    old = client.post(f"/api/v1/sites/{site['id']}/tickets", json=elderly(4)).get_json()
    assert old["lane"] == "p"
    board = client.get(f"/api/v1/sites/{site['id']}/board").get_json()
    assert board["next"] == [old["number"], *(t["number"] for t in regular)]
    called = client.post(f"/api/v1/sites/{site['id']}/stations/1/call", headers=staff).get_json()["ticket"]
    assert called["number"] == board["next"][0]


def test_watch_dashboard_refuses_staff_of_the_site(socket_client, site, staff):
    """Staff run a station; the organizer's figures (staff names, alerts) are not theirs."""
    console = socket_client(headers=staff)
    answer = console.emit("watch_dashboard", {"site_ids": [site["id"]]}, callback=True)
    assert answer == {"ok": False, "error": {"code": "forbidden", "message": "Organizer sign-in required."}}


def test_a_congested_join_page_does_not_recompute_every_site_per_view(app, client, admin, site, join, redis_client):
    """Thousands open a congested site's join page: the calmer site is picked from a list
    computed once per few seconds, not from every site's figures on every view."""
    backend = app.extensions["natqueue"]
    now = [backend.now_ms()]
    backend.clock = lambda: now[0]

    def commands():
        return sum(int(v.get("calls", 0)) for v in redis_client.info("commandstats").values())

    client.post("/api/v1/sites", json={"id": "dongmen", "name": "东门广场", "stations": 2}, headers=admin)
    client.patch(f"/api/v1/sites/{site['id']}", json={"band_busy_min": 1, "band_congested_min": 2}, headers=admin)
    for seed in range(10):
        join(seed)
    assert "/s/dongmen" in client.get(f"/s/{site['id']}").get_data(as_text=True)
    before = commands()
    assert "/s/dongmen" in client.get(f"/s/{site['id']}").get_data(as_text=True)
    one_view = commands() - before
    for k in range(10):  # more sites: a view within the window costs no more
        client.post("/api/v1/sites", json={"id": f"more-{k}", "name": f"别处{k}", "stations": 1}, headers=admin)
    before = commands()
    client.get(f"/s/{site['id']}")
    assert commands() - before == one_view
    now[0] += 6_000  # the window passed: the list is computed afresh, new sites in it
    listing = client.get("/api/v1/public/sites").get_json()["sites"]
    assert len(listing) == 12


def test_a_dashboard_watching_every_site_takes_in_a_site_created_meanwhile(socket_client, client, admin, site):
    board = socket_client(headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    one_site = socket_client(headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert [s["site_id"] for s in board.emit("watch_dashboard", {}, callback=True)["sites"]] == [site["id"]]
    assert one_site.emit("watch_dashboard", {"site_ids": [site["id"]]}, callback=True)["ok"]
    board.get_received(), one_site.get_received()
    created = client.post("/api/v1/sites", json={"id": "dongmen", "name": "东门", "stations": 2}, headers=admin)
    assert created.status_code == 201
    assert [m["args"][0] for m in board.get_received() if m["name"] == "site_added"] == [{"site_id": "dongmen"}]
    assert not [m for m in one_site.get_received() if m["name"] == "site_added"]  # it chose its sites
    again = board.emit("watch_dashboard", {}, callback=True)
    assert sorted(s["site_id"] for s in again["sites"]) == sorted([site["id"], "dongmen"])
