"""The pages every resident opens first, at a district's size: the public list of sites, a
site's join page (with its calmer-site suggestion) and a ticket's first read. What they show
is right, and what each costs Redis is the same with 5 sites as with 50."""

import re

from natqueue.figures import public_list
from tests.conftest import ADMIN_TOKEN, UNLIMITED_JOINS, person


def _stats(redis_client) -> dict[str, int]:
    return {name: int(v.get("calls", 0)) for name, v in redis_client.info("commandstats").items()}


def _run_by(redis_client, action) -> dict[str, int]:
    """The commands Redis ran for ``action()``, by name, a script's own commands included."""
    before = _stats(redis_client)
    action()
    after = _stats(redis_client)
    ran = {name[len("cmdstat_"):]: n - before.get(name, 0) for name, n in after.items()}
    ran["info"] -= 1  # the reading of ``before`` itself
    return {name: n for name, n in ran.items() if n}


def _fixed_clock(app) -> list[int]:
    backend = app.extensions["natqueue"]
    now = [backend.now_ms()]
    backend.clock = lambda: now[0]
    return now


def _make(client, admin, site_id, stations, area, **settings):
    made = client.post("/api/v1/sites", json={"id": site_id, "name": f"点{site_id}", "stations": stations},
                       headers=admin)
    assert made.status_code == 201
    assert client.patch(f"/api/v1/sites/{site_id}", json={"area": area, **settings}, headers=admin).status_code == 200


def _join(client, site_id, seed):
    answer = client.post(f"/api/v1/sites/{site_id}/tickets", json=person(seed))
    assert answer.status_code == 201
    return answer.get_json()


def _others(client, admin, start: int, count: int) -> None:
    """Sites with one person waiting each, in 西区 and 北区."""
    for k in range(start, start + count):
        _make(client, admin, f"other-{k}", 2, "西区" if k % 2 else "北区")
        _join(client, f"other-{k}", 1000 + k)


def _district(client, admin, size: int) -> dict:
    """``size`` sites: ``jam`` (1 station, 6 waiting: congested at 2 min) and ``calm`` in area
    东区, ``far`` in 西区 with nobody waiting either, the rest with 1 person each. Returns a
    ticket at ``jam``."""
    _make(client, admin, "jam", 1, "东区", band_busy_min=1, band_congested_min=2)
    _make(client, admin, "calm", 4, "东区")
    _make(client, admin, "far", 4, "西区")
    _others(client, admin, 0, size - 3)
    ticket = _join(client, "jam", 0)
    for seed in range(1, 6):
        _join(client, "jam", seed)
    return ticket


def test_the_list_puts_the_calmest_first_and_a_congested_site_suggests_one_of_its_own_area(app, client, admin):
    _district(client, admin, 6)
    listing = client.get("/api/v1/public/sites").get_json()["sites"]
    assert [s["id"] for s in listing[:2]] == ["calm", "far"]  # nobody waiting: calmest, then by name
    assert listing[-1]["id"] == "jam" and listing[-1]["band"] == "congested"
    assert {s["band"] for s in listing[:-1]} == {"flowing"}
    page = client.get("/sites?lang=zh_CN").get_data(as_text=True)
    assert re.findall(r'data-site="([^"]+)"', page) == [s["id"] for s in listing]
    assert "拥挤" in page and 'href="/sites?area=' in page
    jam = client.get("/s/jam").get_data(as_text=True)
    assert 'id="calmer-site"' in jam and "/s/calm" in jam and "/s/far" not in jam  # its own area first
    assert 'id="calmer-site"' not in client.get("/s/calm").get_data(as_text=True)


def test_a_district_too_large_for_one_page_is_read_a_page_or_an_area_at_a_time(app, client, admin):
    _district(client, admin, public_list.PAGE_SIZE + 5)
    first = client.get("/sites").get_data(as_text=True)
    shown = re.findall(r'data-site="([^"]+)"', first)
    assert len(shown) == public_list.PAGE_SIZE and shown[:2] == ["calm", "far"] and "jam" not in shown
    assert 'rel="next" href="/sites?page=2"' in first
    second = re.findall(r'data-site="([^"]+)"', client.get("/sites?page=2").get_data(as_text=True))
    assert len(second) == 5 and second[-1] == "jam" and not set(shown) & set(second)
    east = re.findall(r'data-site="([^"]+)"', client.get("/sites?area=东区").get_data(as_text=True))
    assert east == ["calm", "jam"]
    assert re.findall(r'data-site="([^"]+)"', client.get("/sites?page=99999").get_data(as_text=True)) == second
    assert len(client.get("/api/v1/public/sites").get_json()["sites"]) == public_list.PAGE_SIZE + 5


def _page_costs(app, client, redis_client, ticket) -> dict[str, dict[str, int]]:
    """Redis commands of one view of each page, the public list fetched already."""
    now = _fixed_clock(app)
    now[0] += public_list.PUBLIC_LIST_TTL_MS  # a list with every site in it
    holder = {"X-Ticket-Token": ticket["token"]}
    pages = {"join page, congested": "/s/jam", "join page, calm": "/s/calm", "list": "/sites",
             "list json": "/api/v1/public/sites", "home": "/", "ticket": f"/api/v1/tickets/{ticket['id']}"}
    for path in pages.values():
        assert client.get(path, headers=holder).status_code == 200
    return {name: _run_by(redis_client, lambda path=path: client.get(path, headers=holder))
            for name, path in pages.items()}


def test_each_page_costs_redis_the_same_at_5_and_at_50_sites(app, client, admin, redis_client):
    ticket = _district(client, admin, 5)
    at_5 = _page_costs(app, client, redis_client, ticket)
    assert at_5["list"] == at_5["list json"] == at_5["home"] == {}  # the list this process shares
    assert at_5["join page, congested"]["evalsha"] == at_5["join page, calm"]["evalsha"] == 1  # its snapshot
    _others(client, admin, 2, 45)
    assert _page_costs(app, client, redis_client, ticket) == at_5
    assert len(client.get("/api/v1/public/sites").get_json()["sites"]) == 50


def test_one_process_computes_the_list_for_the_district_and_the_others_fetch_it(make_app, redis_client):
    """Two processes; when the list is due, the first computes it for both; the second's fetch
    is one script, whatever the number of sites."""
    first, second = make_app(**UNLIMITED_JOINS), make_app(**UNLIMITED_JOINS)
    now = _fixed_clock(first)
    second.extensions["natqueue"].clock = lambda: now[0]
    client, other = first.test_client(), second.test_client()
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    _district(client, admin, 5)

    def fetch() -> tuple[dict, list]:
        now[0] += public_list.PUBLIC_LIST_TTL_MS
        assert client.get("/sites").status_code == 200  # the first's turn: computed and stored
        found = []
        ran = _run_by(redis_client, lambda: found.extend(other.get("/api/v1/public/sites").get_json()["sites"]))
        return ran, found

    at_5, listing = fetch()
    assert len(listing) == 5 and listing[-1]["id"] == "jam"
    assert at_5 == {"evalsha": 1, "hmget": 1}  # the claim script finds a fresh list: not its turn
    _others(client, admin, 2, 45)
    at_50, listing = fetch()
    assert len(listing) == 50 and listing[-1]["id"] == "jam" and at_50 == at_5


def test_a_shared_page_shows_changes_within_the_window_and_each_response_has_its_own_nonce(
        make_app, redis_client):
    app = make_app(NATQ_PAGE_CACHE_MS=1000, **UNLIMITED_JOINS)
    now = _fixed_clock(app)
    client = app.test_client()
    _district(client, {"Authorization": f"Bearer {ADMIN_TOKEN}"}, 3)
    first = client.get("/s/calm")
    found = []
    assert _run_by(redis_client, lambda: found.append(client.get("/s/calm"))) == {}  # the same second: no read
    again = found[0]
    nonces = []
    for response in (first, again):
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
        assert set(re.findall(r'<script nonce="([^"]+)"', response.get_data(as_text=True))) == {nonce}
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
    assert client.post("/api/v1/sites/calm/tickets", json=person(77)).status_code == 201
    assert 'id="site-waiting">0<' in client.get("/s/calm").get_data(as_text=True)  # within the window
    now[0] += 1000
    assert 'id="site-waiting">1<' in client.get("/s/calm").get_data(as_text=True)
    assert client.get("/s/nowhere").status_code == 404


def test_every_sites_picture_is_read_once_a_second_for_all_who_ask(make_app, redis_client):
    """``GET /api/v1/sites`` is public and carries every site's picture. It read them one site
    after another on every request: at 400 sites it answered 11 times a second, and a burst of
    32 such requests left the same process's joins unanswered for seconds (bench/pages.py).
    Now one request in a window reads them, in one round trip, and the others share its text."""
    app = make_app(NATQ_PAGE_CACHE_MS=1000, **UNLIMITED_JOINS)
    now = _fixed_clock(app)
    client = app.test_client()
    _district(client, {"Authorization": f"Bearer {ADMIN_TOKEN}"}, 20)
    first = client.get("/api/v1/sites").get_json()["sites"]
    assert len(first) == 20 and {s["id"]: s["waiting"] for s in first}["jam"] == 6
    found = []
    assert _run_by(redis_client, lambda: found.append(client.get("/api/v1/sites"))) == {}  # shared
    assert found[0].get_json()["sites"] == first
    assert client.post("/api/v1/sites/calm/tickets", json=person(78)).status_code == 201
    now[0] += 1000
    again = {s["id"]: s["waiting"] for s in client.get("/api/v1/sites").get_json()["sites"]}
    assert again["calm"] == 1 and again["jam"] == 6
