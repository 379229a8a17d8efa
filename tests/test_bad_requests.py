"""Requests no page sends: deep JSON, lone surrogates, huge bodies, unknown sites, stations and
teams. Each gets a 4xx in the one error shape, and nothing is written."""

import pytest

from tests.conftest import person
from tests.flow_helpers import open_tube

TUBE = "1000000001"


def _args(rule, site_id: str, ticket_id: str, number: int = 1, team: int = 1) -> dict:
    """A value for every variable of a route: the given site, station and team, a real ticket."""
    given = {"site_id": site_id, "number": number, "team": team, "ticket_id": ticket_id, "round_id": "1",
             "fmt": "csv", "code": TUBE, "move": "recall", "alert_id": "a1", "filename": "x.css",
             "community_id": "balicha", "hid": "h1", "pid": "p1", "round_n": "1"}
    return {name: given[name] for name in rule.arguments}


def _routes(app, needing: str | None = None):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or (needing and needing not in rule.arguments):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _url(app, rule, method, values) -> str:
    return app.url_map.bind("localhost").build(rule.endpoint, values, method=method)


def _state(redis_client) -> dict:
    """Every key with its type and size: a write anywhere changes this."""
    found = {}
    for key in redis_client.scan_iter(count=1000):
        kind = redis_client.type(key)
        size = {"hash": redis_client.hlen, "zset": redis_client.zcard, "set": redis_client.scard,
                "list": redis_client.llen, "stream": redis_client.xlen, "string": redis_client.strlen}[kind](key)
        found[key] = (kind, size)
    return found


@pytest.fixture
def ticket(client, site):
    response = client.post(f"/api/v1/sites/{site['id']}/tickets", json=person(1))
    return response.get_json()


def test_deeply_nested_json_is_refused_by_every_route(app, client, site, ticket, admin, redis_client):
    """100,000 '[' once raised RecursionError (an HTML 500) on every JSON endpoint, sign-ins included."""
    before = _state(redis_client)
    deep = "[" * 100_000 + "]" * 100_000
    tried = 0
    for rule, method in _routes(app):
        if method == "GET":
            continue
        url = _url(app, rule, method, _args(rule, site["id"], ticket["id"]))
        response = client.open(url, method=method, data=deep, content_type="application/json", headers=admin)
        assert response.status_code == 400, (method, url, response.status_code)
        assert response.get_json()["error"]["code"] == "invalid_json", url
        tried += 1
    assert tried >= 30
    assert _state(redis_client) == before


def test_json_nested_32_deep_is_still_read_33_is_not(client, site):
    ok = {"name": "王明", "phone": "13800138000", "id_number": person(2)["id_number"]}

    def nested(depth: int) -> dict:  # the body itself is level 1
        inner = []
        for _ in range(depth - 2):
            inner = [inner]
        return {**ok, "x": inner}

    assert client.post(f"/api/v1/sites/{site['id']}/tickets", json=nested(32)).status_code == 201
    response = client.post(f"/api/v1/sites/{site['id']}/tickets", json=nested(33))
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_json"


def test_malformed_json_is_refused_in_the_error_shape(client, site):
    response = client.post(f"/api/v1/sites/{site['id']}/tickets", data='{"name": ', content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_json"


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/v1/sites/{site}/tickets",
     '{"name": "\\ud800x", "phone": "13800138000", "id_number": "11010519491231002X"}', "name"),
    ("/api/v1/sites/{site}/tickets",
     '{"phone": "13800138000", "people": [{"name": "王明", "id_number": "11010519491231002X"},'
     ' {"name": "\\udfffx", "id_number": "440305199003151236"}]}', "people.1.name"),
    ("/api/v1/auth/staff", '{"site_id": "{site}", "code": "\\ud800"}', "code"),
    ("/api/v1/auth/organizer", '{"token": "\\udc00"}', "token"),
])
def test_a_lone_surrogate_is_refused_naming_its_field(client, site, path, body, field):
    response = client.post(path.replace("{site}", site["id"]), data=body.replace("{site}", site["id"]),
                           content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)[:200]
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and error["fields"] == {field: "format"}
    assert client.get(f"/api/v1/sites/{site['id']}").get_json()["waiting"] == 0


def test_a_surrogate_pair_is_a_character_not_an_error(client, site):
    body = '{"name": "\\ud842\\udfb7野家", "phone": "13800138000", "id_number": "11010519491231002X"}'
    response = client.post(f"/api/v1/sites/{site['id']}/tickets", data=body, content_type="application/json")
    assert response.status_code == 201 and response.get_json()["name"] == "𠮷野家"


def test_a_body_over_the_limit_gets_413_in_the_error_shape(client, site, redis_client):
    before = _state(redis_client)
    big = '{"name": "' + "x" * (2 * 1024 * 1024) + '"}'
    response = client.post(f"/api/v1/sites/{site['id']}/tickets", data=big, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert _state(redis_client) == before


def _all_404(app, client, admin, needing: str, code: str, body: dict, ids: tuple, suffix: str = "", **extra) -> int:
    """Every route with a ``needing`` part in its path answers 404 (``code`` for an API route); how many."""
    tried = 0
    for rule, method in _routes(app, needing=needing):
        url = _url(app, rule, method, _args(rule, *ids, **extra))
        response = client.open(url + suffix, method=method, json=body, headers=admin)
        assert response.status_code == 404, (method, url, response.status_code)
        if url.startswith("/api/"):
            assert response.get_json()["error"]["code"] == code, url
        tried += 1
    return tried


def test_unknown_sites_are_404_on_every_route(app, client, site, ticket, admin, redis_client):
    """``/api/v1/sites/nope/board`` was a 500 and ``/sites/nope/events`` a 200."""
    before = _state(redis_client)
    tried = _all_404(app, client, admin, "site_id", "site_not_found", {}, ("nope", ticket["id"]), suffix="?after=0-0")
    assert tried >= 40
    assert _state(redis_client) == before


@pytest.mark.parametrize("number", [3, 999, 10**23])
def test_stations_that_do_not_exist_are_404_on_every_route(app, client, site, ticket, admin, staff,
                                                           redis_client, number):
    """Station 999 and 10**23 opened tubes (201) and used their codes up; a walk-in got 201."""
    before = _state(redis_client)
    body = {"code": TUBE, **person(9), "mode": "single", "status": "open", "name": "王医生"}
    tried = _all_404(app, client, admin, "number", "station_not_found", body, (site["id"], ticket["id"]), number=number)
    assert tried >= 12
    assert _state(redis_client) == before
    assert open_tube(client, site["id"], 1, TUBE, staff)["code"] == TUBE  # the code was not used up


@pytest.mark.parametrize("team", [0, 100, 100000])
def test_home_teams_beyond_the_bound_are_404(app, client, site, ticket, admin, staff, redis_client, team):
    """Home teams are numbered 1 to 99, as the home-done mark and the team's page already say."""
    before = _state(redis_client)
    body = {"code": TUBE, "name": "王医生"}
    tried = _all_404(app, client, admin, "team", "team_not_found", body, (site["id"], ticket["id"]), team=team)
    assert tried >= 5
    assert _state(redis_client) == before
    response = client.post(f"/api/v1/sites/{site['id']}/home/99/tube", json={"code": TUBE}, headers=staff)
    assert response.status_code == 201


def test_a_station_added_later_is_known_at_once(client, site, admin, staff):
    """Stations can be added while the app runs: the bound follows the site, not a stale copy."""
    assert client.get(f"/api/v1/sites/{site['id']}/stations/3/tube", headers=staff).status_code == 404
    assert client.patch(f"/api/v1/sites/{site['id']}", json={"stations": 3}, headers=admin).status_code == 200
    assert client.get(f"/api/v1/sites/{site['id']}/stations/3/tube", headers=staff).status_code == 200
