"""The code a resident shows, the station's scan field, and masking in every non-export answer."""

import json
import re
import xml.etree.ElementTree as ET

from natqueue import qr
from tests.conftest import make_id_number, person
from tests.flow_helpers import call, join_as, sample, young


def _scan(client, site_id, station, code, staff):
    return client.post(f"/api/v1/sites/{site_id}/stations/{station}/scan", json={"code": code}, headers=staff)


def test_scanning_the_residents_code_checks_them_in_with_name_and_masked_id(client, site, staff):
    ticket = join_as(client, site["id"], 1)
    assert ticket["code"].startswith("QN.") and young(1)["id_number"] not in ticket["code"]
    early = _scan(client, site["id"], 1, ticket["code"], staff)
    assert (early.status_code, early.get_json()["error"]["code"]) == (409, "not_called")
    call(client, site["id"], 2, staff)
    elsewhere = _scan(client, site["id"], 1, ticket["code"], staff)
    assert (elsewhere.get_json()["error"]["code"], elsewhere.get_json()["error"]["station"]) == (
        "called_elsewhere", 2)
    response = _scan(client, site["id"], 2, ticket["code"], staff)
    assert response.status_code == 200, response.get_json()
    checked = response.get_json()
    assert checked["kind"] == "ticket"
    scanned = checked["ticket"]
    assert (scanned["name"], scanned["id_number"], scanned["phone"]) == ("居民1", "1101**********" +
                                                                         young(1)["id_number"][-4:], "138****0001")
    assert scanned["checked_in_ms"] is not None and scanned["status"] == "called"


def test_an_altered_code_is_not_a_ticket(client, site, staff):
    ticket = join_as(client, site["id"], 1)
    call(client, site["id"], 1, staff)
    forged = ticket["code"][:-1] + ("0" if ticket["code"][-1] != "0" else "1")
    assert _scan(client, site["id"], 1, forged, staff).get_json()["error"]["code"] == "unknown_code"
    assert _scan(client, site["id"], 1, "hello", staff).status_code == 404
    assert client.application.test_client().post(f"/api/v1/sites/{site['id']}/stations/1/scan",
                                                  json={"code": ticket["code"]}).status_code == 401


def test_scanning_a_tube_opens_it_and_an_id_card_finds_the_ticket(client, site, staff):
    opened = _scan(client, site["id"], 1, "123456789012", staff).get_json()
    assert (opened["kind"], opened["tube"]["code"], opened["tube"]["status"]) == ("tube", "123456789012", "open")
    ticket = join_as(client, site["id"], 1)
    call(client, site["id"], 1, staff)
    by_card = _scan(client, site["id"], 1, young(1)["id_number"], staff).get_json()
    assert (by_card["kind"], by_card["ticket"]["id"]) == ("ticket", ticket["id"])
    stranger = make_id_number(99, birth="19400101")
    offer = _scan(client, site["id"], 1, stranger, staff).get_json()
    # Typed by staff: offered a walk-in; the answer is masked like every other.
    assert (offer["kind"], offer["id_number"]) == ("document", "1101**********" + stranger[-4:])


def test_the_qr_image_is_named_by_the_code_and_only_a_real_code_draws(client, site):
    ticket = join_as(client, site["id"], 1)
    held = client.get(f"/api/v1/tickets/{ticket['id']}", headers={"X-Ticket-Token": ticket["token"]}).get_json()
    assert held["code"] == ticket["code"]  # after a reload the phone gets it again
    assert "code" not in client.get(f"/api/v1/tickets/{ticket['id']}").get_json()
    response = client.get(f"/api/v1/ticket-codes/{ticket['code']}.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    forged = ticket["code"][:-1] + ("0" if ticket["code"][-1] != "0" else "1")
    assert client.get(f"/api/v1/ticket-codes/{forged}.svg").status_code == 404


def test_no_answer_but_exports_and_traces_shows_an_id_number_or_phone(client, site, staff, admin, socket_client):
    watcher = socket_client()
    watcher.emit("watch_site", {"site_id": site["id"]})
    raw = [young(n)["id_number"] for n in range(1, 5)] + [young(n)["phone"] for n in range(1, 5)]
    bodies = []

    def keep(response):
        bodies.append(response.get_data(as_text=True))
        return response

    first = keep(client.post(f"/api/v1/sites/{site['id']}/tickets", json=young(1))).get_json()
    family = keep(client.post(f"/api/v1/sites/{site['id']}/tickets", json={
        "phone": young(2)["phone"], "people": [{"name": "甲", "id_number": young(2)["id_number"]},
                                               {"name": "乙", "id_number": young(3)["id_number"]}]}))
    assert family.status_code == 201
    keep(client.post(f"/api/v1/sites/{site['id']}/stations/1/walk-in", json=young(4), headers=staff))
    keep(client.get(f"/api/v1/tickets/{first['id']}", headers={"X-Ticket-Token": first["token"]}))
    keep(client.get(f"/api/v1/tickets/{first['id']}", headers=staff))
    keep(client.get(f"/api/v1/tickets/{first['id']}"))
    keep(client.post(f"/api/v1/tickets/{first['id']}/flags", json={"priority": "disabled"}, headers=staff))
    keep(client.post(f"/api/v1/sites/{site['id']}/stations/1/scan", json={"code": "100000000001"}, headers=staff))
    keep(client.post(f"/api/v1/sites/{site['id']}/stations/1/scan", json={"code": young(6)["id_number"]},
                     headers=staff))
    raw.append(young(6)["id_number"])
    called = keep(client.post(f"/api/v1/sites/{site['id']}/stations/1/call", headers=staff)).get_json()["ticket"]
    keep(client.post(f"/api/v1/sites/{site['id']}/stations/1/scan", json={"code": first["code"]}, headers=staff))
    keep(client.get(f"/api/v1/sites/{site['id']}/stations/1", headers=staff))
    keep(client.get(f"/api/v1/sites/{site['id']}/stations/1/tube", headers=staff))
    bodies.append(json.dumps(sample(client, called["id"], staff), ensure_ascii=False))
    keep(client.post(f"/api/v1/tickets/{called['id']}/void", json={"reason": "重采"}, headers=staff))
    keep(client.post(f"/api/v1/sites/{site['id']}/home", json={**young(5), "address": "3 栋", "reason": "卧床"},
                     headers=staff))
    keep(client.get(f"/api/v1/sites/{site['id']}/home", headers=staff))
    keep(client.get(f"/api/v1/sites/{site['id']}/rounds/1", headers=staff))
    keep(client.get(f"/api/v1/sites/{site['id']}/events?after=0-0"))
    keep(client.get(f"/api/v1/sites/{site['id']}/audit", headers=admin))
    keep(client.get(f"/s/{site['id']}"))
    keep(client.get(f"/station/{site['id']}/1", headers=staff))
    keep(client.get(f"/home/{site['id']}/1", headers=staff))
    keep(client.get(f"/api/v1/sites/{site['id']}/home/1/tube", headers=staff))
    keep(client.get(f"/organizer/sites/{site['id']}/rounds", headers=admin))
    bodies.append(json.dumps(watcher.get_received(), ensure_ascii=False))
    raw.append(young(5)["id_number"])
    everything = "\n".join(bodies)
    assert "138****0001" in everything and "1101**********" in everything
    for value in raw:
        assert value not in everything, value
    # ...while the trace, for the organizer, has them.
    trace = client.get(f"/api/v1/sites/{site['id']}/tubes/100000000001/trace", headers=admin).get_data(as_text=True)
    assert young(1)["id_number"] in trace or young(2)["id_number"] in trace


def test_the_arrived_button_keeps_the_scan_rules_when_it_names_its_station(client, site, staff):
    """A console whose code cannot be scanned marks arrival with the button, sending its
    station: the same rules as a scan (called here, not elsewhere, not on the home list)."""
    def arrived(ticket_id, station):
        return client.post(f"/api/v1/tickets/{ticket_id}/check-in", json={"station": station}, headers=staff)

    def held(ticket):
        return client.get(f"/api/v1/tickets/{ticket['id']}", headers={"X-Ticket-Token": ticket["token"]}).get_json()

    ticket = join_as(client, site["id"], 1)
    early = arrived(ticket["id"], 1)
    assert (early.status_code, early.get_json()["error"]["code"]) == (409, "not_called")
    call(client, site["id"], 2, staff)
    elsewhere = arrived(ticket["id"], 1)
    assert elsewhere.status_code == 409
    assert (elsewhere.get_json()["error"]["code"], elsewhere.get_json()["error"]["station"]) == ("called_elsewhere", 2)
    assert held(ticket)["checked_in_ms"] is None  # nothing changed
    bad = arrived(ticket["id"], "two")
    assert (bad.status_code, bad.get_json()["error"]["fields"]) == (400, {"station": "integer_1_to_50"})
    here = arrived(ticket["id"], 2)
    assert here.status_code == 200 and here.get_json()["checked_in_ms"] is not None

    home = client.post(f"/api/v1/sites/{site['id']}/home", json={**young(2), "address": "3 栋", "reason": "卧床"},
                       headers=staff).get_json()
    listed = client.post(f"/api/v1/tickets/{home['id']}/check-in", json={"station": 1}, headers=staff)
    assert (listed.status_code, listed.get_json()["error"]["code"]) == (409, "on_home_list")


def test_the_qr_image_draws_exactly_the_modules_of_the_code(client, site):
    """The SVG is written by natqueue from the code's modules: read back, it is the code's
    grid, quiet zone included, on a white ground."""
    ticket = client.post(f"/api/v1/sites/{site['id']}/tickets", json=person(62)).get_json()
    svg = ET.fromstring(client.get(f"/api/v1/ticket-codes/{ticket['code']}.svg").data)
    ns = "{http://www.w3.org/2000/svg}"
    matrix = qr._code(ticket["code"]).get_matrix()
    size = len(matrix)
    assert svg.get("viewBox") == f"0 0 {size} {size}"
    ground = svg.find(ns + "rect")
    assert (ground.get("width"), ground.get("height"), ground.get("fill")) == (str(size), str(size), "#fff")
    path = svg.find(ns + "path").get("d")
    drawn = [[False] * size for _ in range(size)]
    steps = re.findall(r"M(\d+) (\d+)h(\d+)v1h-(\d+)z", path)
    assert "".join(f"M{x} {y}h{w}v1h-{b}z" for x, y, w, b in steps) == path  # nothing else in it
    for x, y, width, back in steps:
        assert width == back
        for column in range(int(x), int(x) + int(width)):
            drawn[int(y)][column] = True
    assert drawn == matrix
