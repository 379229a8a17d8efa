"""Residents join, see their place, leave; staff call, recall, mark no-show and sampled."""

import pytest

from tests.conftest import person


def test_join_gives_number_place_and_wait(client, site, join):
    first = join(1)
    assert first["number"] == "A001" and first["status"] == "waiting" and first["ahead"] == 0
    assert first["site_id"] == site["id"] and first["token"]
    second = join(2)
    assert second["number"] == "A002" and second["ahead"] == 1
    # Two open stations, no data yet: 30 s per lane by default -> 15 s per person for the site.
    assert second["eta_seconds"] == 15
    assert client.get(f"/api/v1/sites/{site['id']}").get_json()["waiting"] == 2


def test_join_masks_personal_data_in_answers(client, site, join):
    ticket = join(7)
    raw = person(7)
    assert raw["id_number"] not in str(ticket) and raw["phone"] not in str(ticket)
    assert ticket["phone"] == raw["phone"][:3] + "****" + raw["phone"][-4:]
    read = client.get(f"/api/v1/tickets/{ticket['id']}", headers={"X-Ticket-Token": ticket["token"]})
    assert raw["id_number"] not in read.get_data(as_text=True)
    assert "token" not in read.get_json()


@pytest.mark.parametrize(
    "body, fields",
    [
        ({"name": "", "phone": "13800138000", "id_number": "11010519491231002X"}, {"name"}),
        ({"name": "张三" * 21, "phone": "13800138000", "id_number": "11010519491231002X"}, {"name"}),
        ({"name": "张三", "phone": "12345", "id_number": "11010519491231002X"}, {"phone"}),
        ({"name": "张三", "phone": "13800138000", "id_number": "110105194912310021"}, {"id_number"}),
        ({"phone": 13800138000}, {"name", "phone", "id_number"}),
    ],
)
def test_bad_join_names_each_bad_field_and_queues_nobody(client, site, body, fields):
    response = client.post(f"/api/v1/sites/{site['id']}/tickets", json=body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and set(error["fields"]) == fields
    assert client.get(f"/api/v1/sites/{site['id']}").get_json()["waiting"] == 0


def test_lower_case_x_and_plus86_are_accepted(client, site):
    response = client.post(f"/api/v1/sites/{site['id']}/tickets",
                           json={"name": "王五", "phone": "+86 138 0013 8000", "id_number": "11010519491231002x"})
    assert response.status_code == 201


def test_same_id_number_twice_gets_the_first_number_not_its_token(client, site, join):
    first = join(3)
    again = client.post(f"/api/v1/sites/{site['id']}/tickets", json=person(3))
    assert again.status_code == 409
    error = again.get_json()["error"]
    assert error["code"] == "already_queued" and error["number"] == first["number"]
    assert first["token"] not in again.get_data(as_text=True)
    assert client.get(f"/api/v1/sites/{site['id']}").get_json()["waiting"] == 1


def test_double_tapped_join_with_one_key_makes_one_ticket(client, site):
    url = f"/api/v1/sites/{site['id']}/tickets"
    a = client.post(url, json=person(4), headers={"Idempotency-Key": "tap-1"})
    b = client.post(url, json=person(4), headers={"Idempotency-Key": "tap-1"})
    assert a.status_code == b.status_code == 201
    assert a.get_json()["id"] == b.get_json()["id"] and a.get_json()["token"] == b.get_json()["token"]
    assert client.get(url.rsplit("/", 1)[0]).get_json()["waiting"] == 1


def test_bad_idempotency_key_is_refused(client, site):
    response = client.post(f"/api/v1/sites/{site['id']}/tickets", json=person(1),
                           headers={"Idempotency-Key": "x" * 65})
    assert response.status_code == 400
    assert "Idempotency-Key" in response.get_json()["error"]["fields"]


def test_unknown_site_is_404(client):
    assert client.post("/api/v1/sites/nowhere/tickets", json=person(1)).status_code == 404
    assert client.get("/api/v1/sites/nowhere").status_code == 404
    assert client.get("/api/v1/tickets/nowhere.abc", headers={"X-Ticket-Token": "t"}).status_code == 404
    assert client.get("/api/v1/tickets/garbage").status_code == 404


def test_ticket_needs_its_token(client, site, join):
    ticket = join(5)
    url = f"/api/v1/tickets/{ticket['id']}"
    assert client.get(url, headers={"X-Ticket-Token": "wrong"}).status_code == 403
    assert client.delete(url, headers={"X-Ticket-Token": "wrong"}).status_code == 403
    assert client.get(url, headers={"X-Ticket-Token": ticket["token"]}).get_json()["status"] == "waiting"


def test_leaving_frees_the_place_and_the_id_number(client, site, join):
    first, second = join(1), join(2)
    left = client.delete(f"/api/v1/tickets/{first['id']}", headers={"X-Ticket-Token": first["token"]})
    assert left.status_code == 200 and left.get_json()["status"] == "cancelled"
    mine = client.get(f"/api/v1/tickets/{second['id']}", headers={"X-Ticket-Token": second["token"]})
    assert mine.get_json()["ahead"] == 0
    again = join(1)
    assert again["number"] == "A003"


def test_call_next_serves_in_order_and_says_where(client, site, staff, join):
    first, second = join(1), join(2)
    called = client.post(f"/api/v1/sites/{site['id']}/stations/2/call", headers=staff).get_json()["ticket"]
    assert called["id"] == first["id"] and called["status"] == "called" and called["station"] == 2
    mine = client.get(f"/api/v1/tickets/{first['id']}", headers={"X-Ticket-Token": first["token"]}).get_json()
    assert mine["status"] == "called" and mine["station"] == 2
    after = client.get(f"/api/v1/tickets/{second['id']}", headers={"X-Ticket-Token": second["token"]})
    assert after.get_json()["ahead"] == 0
    assert client.get(f"/api/v1/sites/{site['id']}").get_json()["stations"][1]["calling"] == "A001"


def test_call_with_nobody_waiting_is_null(client, site, staff):
    response = client.post(f"/api/v1/sites/{site['id']}/stations/1/call", headers=staff)
    assert response.status_code == 200 and response.get_json() == {"ticket": None}


def test_call_needs_staff(client, site, join):
    join(1)  # no staff fixture: this client holds no staff cookie
    assert client.post(f"/api/v1/sites/{site['id']}/stations/1/call").status_code == 401
    assert client.post(f"/api/v1/sites/{site['id']}/stations/1/call",
                       headers={"Authorization": "Bearer forged"}).status_code == 403
    assert client.get(f"/api/v1/sites/{site['id']}").get_json()["waiting"] == 1


def test_retried_call_returns_the_same_ticket(client, site, staff, join):
    first, second = join(1), join(2)
    url = f"/api/v1/sites/{site['id']}/stations/1/call"
    a = client.post(url, headers={**staff, "Idempotency-Key": "call-77"}).get_json()["ticket"]
    b = client.post(url, headers={**staff, "Idempotency-Key": "call-77"}).get_json()["ticket"]
    assert a["id"] == b["id"] == first["id"]
    waiting = client.get(f"/api/v1/tickets/{second['id']}", headers={"X-Ticket-Token": second["token"]})
    assert waiting.get_json()["status"] == "waiting"


def test_paused_or_closed_station_cannot_call(client, site, staff, join):
    join(1)
    base = f"/api/v1/sites/{site['id']}/stations/1"
    for status in ("paused", "closed"):
        assert client.post(f"{base}/status", json={"status": status}, headers=staff).status_code == 200
        refused = client.post(f"{base}/call", headers=staff)
        assert refused.status_code == 409
        assert refused.get_json()["error"]["code"] == "station_not_open"
    assert client.get(f"/api/v1/sites/{site['id']}").get_json()["waiting"] == 1


def test_bad_station_status_and_unknown_station(client, site, staff):
    base = f"/api/v1/sites/{site['id']}/stations"
    bad = client.post(f"{base}/1/status", json={"status": "sleeping"}, headers=staff)
    assert bad.status_code == 400 and "status" in bad.get_json()["error"]["fields"]
    assert client.post(f"{base}/9/status", json={"status": "open"}, headers=staff).status_code == 404
    assert client.post(f"{base}/9/call", headers=staff).status_code == 404


def test_all_stations_closed_refuses_joins_with_a_clear_message(client, site, staff):
    for n in (1, 2):
        client.post(f"/api/v1/sites/{site['id']}/stations/{n}/status", json={"status": "closed"}, headers=staff)
    refused = client.post(f"/api/v1/sites/{site['id']}/tickets", json=person(1))
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "site_closed"
    assert client.get(f"/api/v1/sites/{site['id']}").get_json()["accepting"] is False
    client.post(f"/api/v1/sites/{site['id']}/stations/2/status", json={"status": "paused"}, headers=staff)
    assert client.post(f"/api/v1/sites/{site['id']}/tickets", json=person(1)).status_code == 201


def test_no_open_station_means_no_estimate(client, site, staff, join):
    for n in (1, 2):
        client.post(f"/api/v1/sites/{site['id']}/stations/{n}/status", json={"status": "paused"}, headers=staff)
    ticket = join(1)
    assert ticket["eta_seconds"] is None
    assert client.get(f"/api/v1/sites/{site['id']}").get_json()["eta_seconds"] is None


def test_staff_can_cancel_without_the_holders_token(app, client, site, staff, join):
    ticket = join(1)
    response = client.delete(f"/api/v1/tickets/{ticket['id']}", headers=staff)
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    stranger = app.test_client()  # no staff cookie, no token
    assert stranger.delete(f"/api/v1/tickets/{join(2)['id']}").status_code == 403


def test_station_console_view_shows_serving_and_next(client, site, staff, join):
    for seed in range(1, 8):
        join(seed)
    client.post(f"/api/v1/sites/{site['id']}/stations/1/call", headers=staff)
    view = client.get(f"/api/v1/sites/{site['id']}/stations/1", headers=staff).get_json()
    assert [t["number"] for t in view["serving"]] == ["A001"]
    assert [t["number"] for t in view["next"]] == ["A002", "A003", "A004", "A005", "A006"]
    assert view["waiting"] == 6
    assert person(1)["id_number"] not in str(view) and view["serving"][0]["name"] == "居民1"
