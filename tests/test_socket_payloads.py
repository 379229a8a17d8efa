"""Socket events with payloads no page sends: each is answered with an error (in the
acknowledgement, and as an ``error`` event for a client that asked for none), never a
crash, and the client joins no room."""

import pytest

from tests.conftest import ADMIN_TOKEN

ODD = [["a", "b"], 42, {"x": 1}, True, "\ud800", None]


def _errors(received) -> list[dict]:
    return [m["args"][0] for m in received if m["name"] == "error"]


def _refused(socket, event, payload) -> dict:
    ack = socket.emit(event, payload, callback=True)
    assert isinstance(ack, dict) and ack["ok"] is False, (event, payload, ack)
    assert isinstance(ack["error"]["code"], str) and ack["error"]["message"]
    received = socket.get_received()
    assert _errors(received) == [ack["error"]], received
    assert [m["name"] for m in received] == ["error"]  # no figures, snapshot or ticket leaked
    return ack["error"]


@pytest.mark.parametrize("token", [t for t in ODD if t is not None])
def test_watch_dashboard_with_a_token_of_the_wrong_type(socket_client, site, token):
    error = _refused(socket_client(), "watch_dashboard", {"token": token})
    assert error["code"] in ("forbidden", "invalid")


@pytest.mark.parametrize("site_ids", ["jinyu-huafu", 7, {"a": 1}, [["jinyu-huafu"]], [{"x": 1}], ["\ud800"]])
def test_watch_dashboard_with_site_ids_of_the_wrong_type(socket_client, site, site_ids):
    error = _refused(socket_client(), "watch_dashboard", {"token": ADMIN_TOKEN, "site_ids": site_ids})
    assert error["code"] == "invalid"


def test_watch_dashboard_still_answers_the_organizer(socket_client, site):
    ack = socket_client().emit("watch_dashboard", {"token": ADMIN_TOKEN, "site_ids": [site["id"]]}, callback=True)
    assert ack["ok"] is True and [s["site_id"] for s in ack["sites"]] == [site["id"]]


@pytest.mark.parametrize("last_id", [5, 1.5, {"id": "0-0"}, ["0-0"], True])
def test_watch_site_with_a_last_id_of_the_wrong_type(socket_client, site, last_id):
    error = _refused(socket_client(), "watch_site", {"site_id": site["id"], "last_id": last_id})
    assert error["code"] == "invalid"


@pytest.mark.parametrize("payload", ODD + [[{"site_id": "jinyu-huafu"}], {"site_id": ["jinyu-huafu"]},
                                           {"site_id": "\ud800"}, {"site_id": 3}])
def test_watch_site_with_a_payload_of_the_wrong_shape(socket_client, site, payload):
    error = _refused(socket_client(), "watch_site", payload)
    assert error["code"] in ("invalid", "site_not_found")


@pytest.mark.parametrize("payload", [
    {"ticket_id": "jinyu-huafu.abc", "token": ["x"]},
    {"ticket_id": "jinyu-huafu.abc", "token": {"x": 1}},
    {"ticket_id": "jinyu-huafu.abc", "token": 7},
    {"ticket_id": ["jinyu-huafu.abc"], "token": "x"},
    {"ticket_id": "\ud800.abc", "token": "x"},
    {"ticket_id": "nosuchsite.abc", "token": "x"},
    {"ticket_id": "jinyu-huafu.abc", "token": "\ud800"},
    {"ticket_id": "jinyu-huafu.abc", "token": "é"},
    "jinyu-huafu.abc", 3, None, [],
])
def test_watch_ticket_with_a_payload_of_the_wrong_shape(socket_client, site, join, payload):
    if isinstance(payload, dict) and payload.get("ticket_id") == "jinyu-huafu.abc":
        payload = {**payload, "ticket_id": join(1)["id"]}  # a real ticket: only the token is wrong
    error = _refused(socket_client(), "watch_ticket", payload)
    assert error["code"] in ("invalid", "forbidden", "ticket_not_found")


def test_a_client_that_asks_for_no_acknowledgement_still_hears_why(socket_client, site):
    socket = socket_client()
    socket.emit("watch_site", {"site_id": site["id"], "last_id": {"x": 1}})
    assert [e["code"] for e in _errors(socket.get_received())] == ["invalid"]


def test_a_token_with_non_ascii_characters_is_forbidden_over_http(client, site, join):
    ticket = join(1)
    response = client.get(f"/api/v1/tickets/{ticket['id']}", headers={"X-Ticket-Token": "é" * 24})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
