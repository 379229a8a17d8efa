"""Second chances: a no-show brought back by staff within the site's window, and a ticket got
back on a new phone with the ID number and phone given at the join."""

import pytest

from tests.conftest import person

MIN = 60_000


@pytest.fixture
def clock(app):
    """The app's clock, held still and moved by the test (nobody sleeps)."""
    backend = app.extensions["natqueue"]
    now = [backend.now_ms()]
    backend.clock = lambda: now[0]
    return now


def _call(client, site, staff, station):
    return client.post(f"/api/v1/sites/{site['id']}/stations/{station}/call", headers=staff).get_json()["ticket"]


def _no_show(client, staff, ticket):
    assert client.post(f"/api/v1/tickets/{ticket['id']}/no-show", headers=staff).status_code == 200


def _return(client, staff, ticket, **headers):
    return client.post(f"/api/v1/tickets/{ticket['id']}/return", headers={**staff, **headers})


def _console(client, site, staff, station):
    return client.get(f"/api/v1/sites/{site['id']}/stations/{station}", headers=staff).get_json()


# --- bringing a no-show back -------------------------------------------------------------


def test_a_no_show_brought_back_is_called_again_and_is_the_stations_current_person(
        client, site, staff, join, clock):
    late, next_one = join(1), join(2)
    assert _call(client, site, staff, 2)["id"] == late["id"]
    _no_show(client, staff, late)
    console = _console(client, site, staff, 2)
    assert [t["number"] for t in console["no_shows"]] == [late["number"]]  # the console offers it
    assert console["no_shows"][0]["id_number"] == "1101**********" + late["id_number"][-4:]
    assert _console(client, site, staff, 1)["no_shows"] == []  # only where they were passed
    clock[0] += 60_000
    assert _call(client, site, staff, 2)["id"] == next_one["id"]  # the station moved on

    clock[0] += 4 * MIN  # the elderly resident arrives five minutes after being passed
    back = _return(client, staff, late)
    assert back.status_code == 200, back.get_json()
    body = back.get_json()
    assert body["id"] == late["id"] and body["status"] == "called" and body["station"] == 2
    assert body["called_ms"] == clock[0] and body["finished_ms"] is None

    console = _console(client, site, staff, 2)
    assert console["serving"][-1]["id"] == late["id"]  # the latest called: the console's current person
    assert console["no_shows"] == []
    board = client.get(f"/api/v1/sites/{site['id']}/board").get_json()
    assert board["recent"][0]["number"] == late["number"] and board["recent"][0]["station"] == 2
    holder = client.get(f"/api/v1/tickets/{late['id']}", headers={"X-Ticket-Token": late["token"]}).get_json()
    assert holder["status"] == "called" and holder["station"] == 2
    assert client.post(f"/api/v1/tickets/{late['id']}/sampled", headers=staff).status_code == 200


def test_the_phone_of_a_no_show_hears_it_is_called_again(client, site, staff, join, socket_client):
    ticket = join(1)
    _call(client, site, staff, 1)
    _no_show(client, staff, ticket)
    phone = socket_client()
    phone.emit("watch_ticket", {"ticket_id": ticket["id"], "token": ticket["token"]}, callback=True)
    passed = [m["args"][0] for m in phone.get_received() if m["name"] == "ticket"][0]
    assert passed["status"] == "no_show" and 14 * 60 < passed["return_seconds_left"] <= 15 * 60
    _return(client, staff, ticket)
    received = phone.get_received()
    mine = [m["args"][0] for m in received if m["name"] == "ticket"]
    assert len(mine) == 1 and mine[0]["status"] == "called" and mine[0]["station"] == 1
    events = [m["args"][0] for m in received if m["name"] == "site_event"]
    assert [(e["type"], e.get("returned"), e["number"]) for e in events] == [("called", True, ticket["number"])]
    assert "left" not in events[0]  # nobody left the waiting line: no phone counts itself forward


def test_the_window_is_the_sites_setting_fifteen_minutes_by_default(client, site, staff, admin, join, clock):
    first, second = join(1), join(2)
    _call(client, site, staff, 1)
    _no_show(client, staff, first)
    clock[0] += 15 * MIN + 1_000
    late = _return(client, staff, first)
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "return_window_passed"
    passed = client.get(f"/api/v1/tickets/{first['id']}", headers={"X-Ticket-Token": first["token"]}).get_json()
    assert passed["status"] == "no_show" and passed["return_seconds_left"] is None  # nothing changed
    assert _console(client, site, staff, 1)["no_shows"] == []

    assert client.patch(f"/api/v1/sites/{site['id']}/workflow", json={"return_window_min": 30},
                        headers=admin).get_json()["return_window_min"] == 30
    _call(client, site, staff, 1)
    _no_show(client, staff, second)
    clock[0] += 29 * MIN
    assert _return(client, staff, second).status_code == 200
    assert client.patch(f"/api/v1/sites/{site['id']}/workflow", json={"return_window_min": 0},
                        headers=admin).get_json()["error"]["fields"] == {"return_window_min": "integer_1_to_120"}


@pytest.mark.parametrize("status", ["waiting", "called", "sampled", "cancelled"])
def test_only_a_no_show_comes_back(client, site, staff, join, status):
    ticket = join(1)
    if status != "waiting":
        _call(client, site, staff, 1)
    if status == "sampled":
        client.post(f"/api/v1/tickets/{ticket['id']}/sampled", headers=staff)
    if status == "cancelled":
        client.delete(f"/api/v1/tickets/{ticket['id']}", headers=staff)
    refused = _return(client, staff, ticket)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "invalid_transition"
    assert refused.get_json()["error"]["current_status"] == status


def test_bringing_back_is_for_the_sites_staff(app, client, site, staff, admin, join):
    ticket = join(1)
    _call(client, site, staff, 1)
    _no_show(client, staff, ticket)
    client.post("/api/v1/sites", json={"id": "other", "name": "别处", "stations": 1}, headers=admin)
    code = client.post("/api/v1/sites/other/staff-code", headers=admin).get_json()["staff_code"]
    other = client.post("/api/v1/auth/staff", json={"site_id": "other", "code": code}).get_json()["token"]
    stranger = app.test_client(use_cookies=False)
    url = f"/api/v1/tickets/{ticket['id']}/return"
    assert stranger.post(url).status_code == 401
    assert stranger.post(url, headers={"X-Ticket-Token": ticket["token"]}).status_code == 401  # not the resident
    assert stranger.post(url, headers={"Authorization": f"Bearer {other}"}).status_code == 403
    assert stranger.post(url, headers=staff).status_code == 200


def test_a_retried_return_replays_and_a_second_one_is_refused(client, site, staff, join, socket_client):
    ticket = join(1)
    _call(client, site, staff, 1)
    _no_show(client, staff, ticket)
    board = socket_client()
    board.emit("watch_site", {"site_id": site["id"]}, callback=True)
    board.get_received()
    first = _return(client, staff, ticket, **{"Idempotency-Key": "back-1"})
    again = _return(client, staff, ticket, **{"Idempotency-Key": "back-1"})
    assert first.status_code == again.status_code == 200
    assert again.get_json()["called_ms"] == first.get_json()["called_ms"]
    assert len([m for m in board.get_received() if m["name"] == "site_event"]) == 1
    other = _return(client, staff, ticket, **{"Idempotency-Key": "back-2"})
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "invalid_transition"


def test_a_no_show_who_took_a_new_number_is_not_brought_back_twice(client, site, staff, join):
    ticket = join(1)
    _call(client, site, staff, 1)
    _no_show(client, staff, ticket)
    again = join(1)  # gave up and took a new number
    refused = _return(client, staff, ticket)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "already_queued"
    assert refused.get_json()["error"]["number"] == again["number"]


def test_a_wait_counts_once_in_the_figures(client, site, staff, admin, join, clock):
    ticket = join(1)
    clock[0] += 10 * MIN
    _call(client, site, staff, 1)
    _no_show(client, staff, ticket)
    clock[0] += 5 * MIN
    assert _return(client, staff, ticket).status_code == 200
    clock[0] += MIN
    client.post(f"/api/v1/tickets/{ticket['id']}/sampled", headers=staff)
    waits = client.get(f"/api/v1/sites/{site['id']}/stats", headers=admin).get_json()["waits"]
    assert waits["count_today"] == 1 and waits["max_s"] == 10 * 60


# --- getting a ticket back on this phone ------------------------------------------------


def _recover(client, site, body, **headers):
    return client.post(f"/api/v1/sites/{site['id']}/tickets/recover", json=body, headers=headers)


def test_the_id_and_phone_of_the_join_bring_the_ticket_back_with_a_new_token(client, site, join):
    ticket = join(1)
    resident = person(1)
    # Typed as people type: +86, spaces and dashes, a lower-case x.
    phone = "+86 " + resident["phone"][:3] + "-" + resident["phone"][3:7] + " " + resident["phone"][7:]
    got = _recover(client, site, {"id_number": resident["id_number"].lower(), "phone": phone})
    assert got.status_code == 200, got.get_json()
    body = got.get_json()
    assert body["id"] == ticket["id"] and body["number"] == ticket["number"] and body["status"] == "waiting"
    assert body["token"] and body["token"] != ticket["token"] and body["code"]
    assert body["id_number"] == "1101**********" + resident["id_number"][-4:]

    url = f"/api/v1/tickets/{ticket['id']}"
    assert client.get(url, headers={"X-Ticket-Token": ticket["token"]}).status_code == 403  # the old page
    assert client.delete(url, headers={"X-Ticket-Token": ticket["token"]}).status_code == 403
    left = client.delete(url, headers={"X-Ticket-Token": body["token"]})
    assert left.status_code == 200 and left.get_json()["status"] == "cancelled"


def test_a_household_member_is_recovered_with_the_households_phone(client, site):
    first, second = person(1), person(2)
    family = client.post(f"/api/v1/sites/{site['id']}/tickets", json={
        "phone": first["phone"], "people": [{"name": "甲", "id_number": first["id_number"]},
                                            {"name": "乙", "id_number": second["id_number"]}]}).get_json()
    got = _recover(client, site, {"id_number": second["id_number"], "phone": first["phone"], "doc_type": "id"})
    assert got.status_code == 200 and got.get_json()["id"] == family["tickets"][1]["id"]


def test_no_answer_tells_whether_an_id_is_queued(client, site, staff, join):
    queued, finished = join(1), join(2)
    _call(client, site, staff, 1)
    client.post(f"/api/v1/sites/{site['id']}/stations/1/call", headers=staff)
    client.post(f"/api/v1/tickets/{finished['id']}/sampled", headers=staff)
    answers = [
        _recover(client, site, {"id_number": person(1)["id_number"], "phone": person(9)["phone"]}),  # wrong phone
        _recover(client, site, {"id_number": person(3)["id_number"], "phone": person(3)["phone"]}),  # never queued
        _recover(client, site, {"id_number": person(2)["id_number"], "phone": person(2)["phone"]}),  # sampled
    ]
    assert [a.status_code for a in answers] == [404, 404, 404]
    assert len({a.get_data() for a in answers}) == 1
    assert answers[0].get_json()["error"]["code"] == "not_found"
    assert client.get(f"/api/v1/tickets/{queued['id']}",
                      headers={"X-Ticket-Token": queued["token"]}).status_code == 200  # untouched
    assert _recover(client, site, {"id_number": person(1)["id_number"], "phone": person(1)["phone"]}
                    ).status_code == 200  # while the right pair gets it


def test_bad_fields_are_named_as_in_a_join(client, site):
    empty = _recover(client, site, {"id_number": "", "phone": ""}).get_json()["error"]
    assert empty["code"] == "invalid" and empty["fields"] == {"id_number": "required", "phone": "required"}
    wrong = _recover(client, site, {"id_number": "110105194912310021", "phone": "12345"}).get_json()["error"]
    assert wrong["fields"] == {"id_number": "checksum", "phone": "format"}
    assert _recover(client, {"id": "nowhere"}, person(1)).status_code == 404


def test_wrong_pairs_are_limited_like_staff_codes(client, site, join):
    join(1)
    for seed in range(10, 20):
        assert _recover(client, site, {"id_number": person(seed)["id_number"], "phone": person(seed)["phone"]}
                        ).status_code == 404
    right = {"id_number": person(1)["id_number"], "phone": person(1)["phone"]}
    refused = _recover(client, site, right)
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "too_many_attempts"
    elsewhere = client.post(f"/api/v1/sites/{site['id']}/tickets/recover", json=right,
                            environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert elsewhere.status_code == 200  # another phone is not locked out by this one


def test_a_retried_recovery_gives_the_same_token(client, site, join):
    join(1)
    body = {"id_number": person(1)["id_number"], "phone": person(1)["phone"]}
    first = _recover(client, site, body, **{"Idempotency-Key": "again-1"}).get_json()
    again = _recover(client, site, body, **{"Idempotency-Key": "again-1"}).get_json()
    assert first["token"] == again["token"]


# --- a forwarded link shows, and changes nothing -------------------------------------------


def test_without_its_token_a_ticket_shows_where_it_stands_and_nothing_of_the_person(client, site, join):
    join(1)
    ticket = join(2)
    seen = client.get(f"/api/v1/tickets/{ticket['id']}").get_json()
    assert seen["number"] == ticket["number"] and seen["ahead"] == 1 and seen["status"] == "waiting"
    assert "eta_seconds" in seen and seen["watching"] is True
    for private in ("name", "phone", "id_number", "token", "code", "household"):
        assert private not in seen
    assert client.delete(f"/api/v1/tickets/{ticket['id']}").status_code == 403


def test_a_forwarded_link_watches_the_site_not_the_ticket(client, site, staff, join, socket_client):
    ticket = join(1)
    viewer = socket_client()
    ack = viewer.emit("watch_ticket", {"ticket_id": ticket["id"], "token": None}, callback=True)
    assert ack == {"ok": True, "watching": True}
    first = [m["args"][0] for m in viewer.get_received() if m["name"] == "ticket"]
    assert first[0]["number"] == ticket["number"] and "name" not in first[0]
    _call(client, site, staff, 1)
    received = viewer.get_received()
    assert [m["name"] for m in received] == ["site_event"]  # names the number; the page reads again
    assert received[0]["args"][0]["number"] == ticket["number"]
    missing = viewer.emit("watch_ticket", {"ticket_id": site["id"] + ".nothing", "token": None}, callback=True)
    assert missing["ok"] is False and missing["error"]["code"] == "ticket_not_found"
