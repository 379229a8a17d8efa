"""Fuzzing every endpoint and every socket event with what no page sends.

Each route of ``app.url_map`` (every method) gets malformed, oversized, unicode-edge and
type-confused bodies, with its path values valid and invalid, as nobody, as staff and as
the organizer. Whatever comes: never a 5xx, an API refusal always in the one error shape,
and a refused request changes nothing (a snapshot of every Redis key, DUMPed, before and
after). Every Socket.IO event gets payloads of every shape: answered, never crashed
(``internal``), nothing changed when refused (a dashboard that is let in brings its alerts
up to date, as it should).

The budget is fixed and the examples derandomized, so ``.ci/run`` stays fast and a failure
shows again on the next run: 25 examples for each route and method that may change state,
6 for each read, 40 for each event.
"""

import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from natqueue.web import close_app, create_app, socketio
from tests.conftest import ADMIN_TOKEN, UNLIMITED_JOINS, person

SITE = "fz"
PER_CHANGE = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
PER_READ = settings(PER_CHANGE, max_examples=6)
PER_EVENT = settings(PER_CHANGE, max_examples=40)
#: Counters that count refused attempts on purpose (a wrong staff code is one more guess).
COUNTED_ON_REFUSAL = ("staff-fails",)


# --- the app, seeded once per example that changed something ---------------------------------


@pytest.fixture(scope="module")
def fuzz_app(redis_server, tmp_path_factory):
    app = create_app({"TESTING": True, "REDIS_URL": redis_server.url, "NATQ_MESSAGE_QUEUE": "off",
                      "NATQ_ADMIN_TOKEN": ADMIN_TOKEN, "NATQ_DATA_DIR": str(tmp_path_factory.mktemp("fuzz")),
                      "NATQ_DASH_COALESCE_MS": 0, **UNLIMITED_JOINS})
    yield app
    close_app(app)


class Seeded:
    """A site with a tube open at station 1, a resident waiting and one called; the ids and
    tokens a request may name."""

    def __init__(self, app, redis):
        self.app, self.redis, self.client = app, redis, app.test_client()
        self.reset()

    def reset(self):
        self.redis.flushall()
        self.client = self.app.test_client()
        admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        site = self._ok("POST", "/api/v1/sites", {"id": SITE, "name": "模糊", "stations": 2}, admin)
        token = self._ok("POST", "/api/v1/auth/staff", {"site_id": SITE, "code": site["staff_code"]})["token"]
        self.client = self.app.test_client()  # no cookie kept: credentials go per request
        staff = {"Authorization": f"Bearer {token}"}
        self._ok("POST", f"/api/v1/sites/{SITE}/stations/1/tube", {"code": "3000000001"}, staff)
        self.called = self._ok("POST", f"/api/v1/sites/{SITE}/tickets", person(1))
        self.waiting = self._ok("POST", f"/api/v1/sites/{SITE}/tickets", person(2))
        self._ok("POST", f"/api/v1/sites/{SITE}/stations/1/call", None, staff)
        self.credentials = {"nobody": {}, "staff": staff, "organizer": admin}

    def _ok(self, method, path, body, headers=None):
        response = self.client.open(path, method=method, json=body, headers=headers or {})
        assert response.status_code < 300, (path, response.get_json())
        return response.get_json()

    def value(self, placeholder):
        """``$waiting``/``$called`` name the seeded tickets, ``$code`` the waiting one's code;
        anything else is itself."""
        if placeholder == "$waiting":
            return self.waiting["id"]
        if placeholder == "$called":
            return self.called["id"]
        if placeholder == "$code":
            return self.waiting["code"]
        return placeholder

    def encode(self, body) -> bytes:
        """A body drawn as data: its placeholders filled in, sent as JSON (NaN and all)."""
        def fill(value):
            if isinstance(value, dict):
                return {k: fill(v) for k, v in value.items()}
            if isinstance(value, list):
                return [fill(v) for v in value]
            return self.value(value) if isinstance(value, str) else value

        return json.dumps(fill(body)).encode()

    def snapshot(self) -> dict:
        keys = sorted(k for k in self.redis.scan_iter(count=1000) if not any(c in k for c in COUNTED_ON_REFUSAL))
        pipe = self.redis.pipeline(transaction=False)
        for key in keys:
            pipe.dump(key)
        return dict(zip(keys, pipe.execute(), strict=True))


@pytest.fixture(scope="module")
def seeded(fuzz_app, redis_server):
    from natqueue.store.connect import connect

    redis = connect(redis_server.url)
    yield Seeded(fuzz_app, redis)
    redis.flushall()
    redis.close()


# --- what no page sends ---------------------------------------------------------------------

EDGE_TEXT = [
    "", " ", "\x00", "\x1b[31m", "\ud800x", "\udfff", "\u202e居民", "\u200b", "\u200b\u200b", "\ufeff",
    "１３８００１３８０００", "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", "११०१०५१९४९१२३१००२X", "ﬁ", "𝟏𝟐𝟑", "💉🧪",
    "阿卜杜·买买提", "a" * 5000, "11010519491231002X", "3000000001", "null", "{}", "../../etc/passwd",
    "<script>alert(1)</script>", "=cmd|' /C calc'!A0", "13800138000", "+86 138 0013 8000",
]
FIELDS = ["name", "phone", "id_number", "doc_type", "people", "code", "site_id", "token", "status", "reason",
          "mode", "tube", "priority", "single", "yellow_code", "stations", "id", "timezone", "address",
          "alert_ahead", "team", "last_id", "site_ids", "capacity", "family_max", "round", "residents", "from",
          "to", "opens", "closes", "people_per_tube", "medic", "role", "roster"]

texts = st.one_of(st.sampled_from(EDGE_TEXT), st.text(max_size=40))
scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                    st.floats(allow_nan=True, allow_infinity=True), texts)
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(st.one_of(st.sampled_from(FIELDS), texts), inner, max_size=6)),
    max_leaves=12)
objects = st.dictionaries(st.one_of(st.sampled_from(FIELDS), texts), json_values, max_size=8)


#: A body each endpoint takes, so that a mutation of one field reaches the code behind the others.
VALID = {
    "api.sites.create_site": {"id": "fz2", "name": "新点", "address": "八里岔", "stations": 2,
                              "timezone": "Asia/Shanghai", "alert_ahead": 3},
    "api.tickets.join": {**person(5), "doc_type": "id", "priority": "elderly", "yellow_code": False},
    "api.tickets.staff_move": {"tube": "3000000001"},
    "api.tickets.scan_code": {"code": "$code"},
    "api.tickets.walk_in": {**person(8), "doc_type": "id", "phone": "", "priority": "elderly",
                            "single": "yellow_code"},
    "api.tickets.flags": {"priority": "elderly", "single": ""},
    "api.tickets.move": {"tube": "3000000002"},
    "api.tickets.void": {"reason": "污染"},
    "api.stations.station_status": {"status": "paused", "reason": "meal"},
    "api.stations.station_mode": {"mode": "single"},
    "api.stations.open_station_tube": {"code": "3000000003"},
    "api.stations.home_tube": {"code": "3000000004"},
    "api.stations.station_medic": {"name": "李医生"},
    "api.stations.home_medic": {"name": "李医生"},
    "api.sampling.home_add": {**person(9), "address": "1号楼2单元", "reason": "行动不便", "single": ""},
    "api.sampling.home_done": {"team": 1},
    "api.sampling.new_round": {"name": "第二轮"},
    "api.organizer.station_roster": {"people": [{"name": "张医生", "role": "medic"}]},
    "api.organizer.update_site": {"name": "新名", "opens": "07:00", "closes": "12:00", "stations": 3,
                                  "priority_ratio": "2:1", "tube_capacity": 10, "wait_target_min": 30},
    "api.organizer.update_workflow": {"family_max": 4, "require_tube": True, "retention_days": 14},
    "api.planner.plan": {"residents": 4800, "stations": 6, "from": "06:30", "to": "12:30"},
    "api.planner.plan_round": {"residents": 4800, "stations": 6, "from": "06:30", "to": "12:30"},
    "api.signin.staff_sign_in": {"site_id": SITE, "code": "12345678"},
    "api.signin.organizer_sign_in": {"token": ADMIN_TOKEN},
}
HOUSEHOLD = {"phone": "13900000009", "people": [{k: v for k, v in person(6).items() if k != "phone"}, person(7)]}


@st.composite
def mutated(draw, valid: dict):
    """A body the endpoint takes, with one thing wrong: a field of another type or an edge text,
    a field missing, an unknown field, or the whole of it one level down."""
    body = json.loads(json.dumps(valid))
    how = draw(st.sampled_from(["retype", "retype", "retype", "drop", "add", "wrap"]))
    if how == "wrap":
        return draw(st.sampled_from([[body], {"people": body}, {"data": body}]))
    if how == "add":
        body[draw(st.one_of(st.sampled_from(FIELDS), texts))] = draw(json_values)
        return body
    field = draw(st.sampled_from(sorted(body)))
    if how == "drop":
        del body[field]
    else:
        body[field] = draw(st.one_of(json_values, st.sampled_from(EDGE_TEXT)))
    return body


@st.composite
def bodies(draw, endpoint: str):
    """(raw bytes or None, content type): a valid body mutated, JSON of any shape, broken JSON,
    a form, deep nesting, or none."""
    valid = VALID.get(endpoint) or (HOUSEHOLD if endpoint == "api.tickets.join" else None)
    kinds = ["object", "object", "any", "broken", "form", "deep", "none"]
    if valid is not None:  # mostly one field wrong in a body that is otherwise right: it goes deepest
        kinds += ["mutated"] * 10 + ["valid"]
        if endpoint == "api.tickets.join":
            valid = draw(st.sampled_from([valid, HOUSEHOLD]))
    kind = draw(st.sampled_from(kinds))
    if kind == "none":
        return None, None
    if kind in ("valid", "mutated"):
        chosen = valid if kind == "valid" else draw(mutated(valid))
        return chosen, "application/json"  # JSON once its placeholders are filled in
    if kind == "object":
        return json.dumps(draw(objects)).encode(), "application/json"
    if kind == "any":
        return json.dumps(draw(json_values)).encode(), "application/json"
    if kind == "broken":
        return draw(st.sampled_from([b"{", b'{"name": }', b"\xff\xfe{}", b"[" * 50, b'{"a":1}{"b":2}', b"NaN",
                                     b'"\\ud800"', b"{'name': 'x'}"])), "application/json"
    if kind == "form":
        return b"name=x&code=1", draw(st.sampled_from(["application/x-www-form-urlencoded", "text/plain"]))
    depth = draw(st.integers(min_value=30, max_value=3000))
    return ("[" * depth + "]" * depth).encode(), "application/json"


PATH_VALUES = {
    "site_id": [SITE, "nope", "fz\x00", "ＦＺ", "a" * 300, "%", "fz.x"],
    "ticket_id": ["$waiting", "$called", f"{SITE}.000000000000", SITE, "nope.abc", ".", "\u202e"],
    "number": [1, 2, 3, 0, 999, 10**23],
    "team": [1, 99, 100, 100000],
    "move": ["recall", "check-in", "no-show", "sampled", "cancel", "bogus"],
    "fmt": ["svg", "png", "csv", "json", "x"],
    "code": ["3000000001", "3000000002", "x", "\ud800"],
    "round_id": ["r1", "0", "nope"],
    "alert_id": ["a1", "nope"],
    "filename": ["js/nq.js", "nope.js", "../config.py"],
}


def _routes(app):
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.rule, method, rule.endpoint))
    return found


def _routes_for_params():
    """The routes, read before any fixture exists (parametrize runs first): the app's blueprints on
    a bare Flask app, which needs no Redis. ``test_the_fuzz_knows_every_route`` checks that this
    is every route ``create_app`` makes."""
    from flask import Flask

    from natqueue.web import api, ops, pages

    bare = Flask(__name__, static_folder="static")
    bare.register_blueprint(api.bp)
    bare.register_blueprint(ops.bp)  # /healthz, /readyz, /metrics
    for blueprint in pages.BLUEPRINTS:
        bare.register_blueprint(blueprint)
    return _routes(bare)


ROUTES = _routes_for_params()


#: Path values that name what the seed made, the first of each list above (two tickets).
VALID_PATH = {"site_id": [SITE], "ticket_id": ["$waiting", "$called"], "number": [1, 2], "team": [1, 99],
              "move": ["recall", "check-in", "no-show", "sampled"], "fmt": ["svg", "csv"], "code": ["3000000001"]}


@st.composite
def path_values(draw, rule: str):
    """Mostly values that exist (so the body is what is tried), else invalid ones and any text."""
    import re

    values = {}
    for name in re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", rule):
        known = PATH_VALUES.get(name, ["x"])
        if name in VALID_PATH and draw(st.integers(0, 9)) < 7:
            values[name] = draw(st.sampled_from(VALID_PATH[name]))
        elif isinstance(known[0], int):
            values[name] = draw(st.sampled_from(known))
        else:
            values[name] = draw(st.one_of(st.sampled_from(known), texts.filter(bool)))
    return values


def _fill(rule: str, values: dict, seeded: Seeded) -> str:
    import re

    def one(match):
        value = seeded.value(values.get(match.group(1), "x"))  # a value no list names: any text
        if isinstance(value, int):
            return str(value)
        # A lone surrogate goes as the bytes a client would send for it (CESU-8).
        return quote(str(value).encode("utf-8", "surrogatepass"), safe="")

    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", one, rule)


def _check_answer(response, path: str):
    assert response.status_code < 500, (path, response.status_code, response.get_data(as_text=True)[:300])
    if path.startswith("/api/") and response.status_code >= 400:
        body = response.get_json(silent=True)
        assert isinstance(body, dict) and isinstance(body.get("error"), dict), (path, response.get_data()[:300])
        error = body["error"]
        assert isinstance(error.get("code"), str) and isinstance(error.get("message"), str), error
        assert isinstance(error.get("fields", {}), dict), error


# --- the tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("rule", "method", "endpoint"), ROUTES, ids=[f"{m} {r}" for r, m, _ in ROUTES])
def test_no_request_gets_a_5xx_and_a_refused_one_changes_nothing(seeded, rule, method, endpoint):
    @(PER_READ if method == "GET" else PER_CHANGE)
    @given(values=path_values(rule), body=bodies(endpoint),
           who=st.sampled_from(["staff", "organizer", "staff", "organizer", "nobody"]),
           key=st.one_of(st.none(), st.sampled_from(["k1", "x" * 65, "\u00e9"])))
    def one(values, body, who, key):
        path = _fill(rule, values, seeded)
        raw, content_type = body
        if raw is not None and not isinstance(raw, bytes):
            raw = seeded.encode(raw)
        headers = dict(seeded.credentials[who])
        if content_type:
            headers["Content-Type"] = content_type
        if key:
            headers["Idempotency-Key"] = key
        before = seeded.snapshot() if method != "GET" else None
        response = seeded.client.open(path, method=method, data=raw, headers=headers)
        _check_answer(response, path)
        if method == "GET":
            return
        if response.status_code >= 400:
            assert seeded.snapshot() == before, (method, path, response.status_code, response.get_json(silent=True))
        else:
            seeded.reset()  # the next example starts from the same state

    one()


def test_an_oversized_body_is_refused_everywhere_and_changes_nothing(seeded):
    big = json.dumps({"name": "x" * (2 * 1024 * 1024)}).encode()
    for rule, method, _endpoint in ROUTES:
        if method == "GET":
            continue
        path = _fill(rule, {name: PATH_VALUES.get(name, ["x"])[0] for name in PATH_VALUES}, seeded)
        before = seeded.snapshot()
        response = seeded.client.open(path, method=method, data=big, headers={
            "Content-Type": "application/json", **seeded.credentials["organizer"]})
        _check_answer(response, path)
        assert response.status_code >= 400 and seeded.snapshot() == before, (path, response.status_code)


def test_a_method_an_api_address_does_not_take_answers_in_the_error_shape(seeded):
    """Found by the fuzz: a ticket id with a '/' in it lands on ``/tickets/<id>/<move>``, which
    takes POST only, and a GET got Werkzeug's HTML 405 instead of the API's answer."""
    response = seeded.client.get(f"/api/v1/tickets/{SITE}.x/y")
    assert response.status_code == 405 and response.get_json()["error"]["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


EVENTS = ["watch_site", "watch_ticket", "watch_dashboard", "watch_community"]


def test_the_fuzz_knows_every_route(fuzz_app):
    assert sorted(_routes(fuzz_app)) == sorted(ROUTES)


def test_the_fuzz_knows_every_socket_event(fuzz_app):
    assert set(socketio.server.handlers["/"]) - {"connect", "disconnect"} == set(EVENTS)


@pytest.mark.parametrize("event", EVENTS)
def test_every_socket_event_answers_any_payload_and_changes_nothing(seeded, event):
    socket = socketio.test_client(seeded.app)
    ticket_ids = st.sampled_from(["$waiting", "$called", "fz.nope"]).map(seeded.value)
    shaped = st.fixed_dictionaries({}, optional={
        "site_id": st.one_of(st.just(SITE), json_values), "ticket_id": st.one_of(ticket_ids, json_values),
        "token": st.one_of(st.just(ADMIN_TOKEN), st.just(seeded.waiting["token"]), json_values),
        "last_id": st.one_of(st.just("0-0"), json_values), "site_ids": st.one_of(st.just([SITE]), json_values),
        "community": st.one_of(st.just("nope"), json_values)})

    @PER_EVENT
    @given(payload=st.one_of(shaped, json_values))
    def one(payload):
        before = seeded.snapshot()
        ack = socket.emit(event, payload, callback=True)
        assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), (payload, ack)
        socket.get_received()
        if not ack["ok"]:
            assert ack["error"]["code"] != "internal", (payload, ack)  # a handler that crashed
            assert seeded.snapshot() == before, payload

    try:
        one()
    finally:
        socket.disconnect()
