"""An Idempotency-Key replays its own request only: bound to its endpoint and its body.

Reusing a key with another person's body once returned the first person's ticket and its
token (which could then cancel it), and a walk-in sent with a key a resident had used got
that resident's ticket back while the walk-in was never queued.
"""

from tests.conftest import person


def _tickets(client, site_id):
    return f"/api/v1/sites/{site_id}/tickets"


def test_a_join_replayed_with_another_persons_body_reveals_nothing(client, site):
    first = client.post(_tickets(client, site["id"]), json=person(1), headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    other = client.post(_tickets(client, site["id"]), json=person(2), headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 422
    assert other.get_json()["error"]["code"] == "idempotency_key_reused"
    text = other.get_data(as_text=True)
    for secret in (first.get_json()["token"], first.get_json()["id"], first.get_json()["number"]):
        assert secret not in text
    assert client.get(f"/api/v1/sites/{site['id']}").get_json()["waiting"] == 1


def test_the_same_body_with_the_same_key_still_replays(client, site):
    body = person(3)
    a = client.post(_tickets(client, site["id"]), json=body, headers={"Idempotency-Key": "k-3"})
    # The same person, sent again with its fields in another order: the same request.
    b = client.post(_tickets(client, site["id"]), json=dict(reversed(list(body.items()))),
                    headers={"Idempotency-Key": "k-3"})
    assert a.status_code == b.status_code == 201 and a.get_json()["id"] == b.get_json()["id"]


def test_a_walk_in_sent_with_a_key_a_resident_used_is_refused_not_given_their_ticket(client, site, staff):
    resident = client.post(_tickets(client, site["id"]), json=person(4), headers={"Idempotency-Key": "shared"})
    assert resident.status_code == 201
    walk_in = client.post(f"/api/v1/sites/{site['id']}/stations/1/walk-in", json=person(5),
                          headers={**staff, "Idempotency-Key": "shared"})
    assert walk_in.status_code == 422 and walk_in.get_json()["error"]["code"] == "idempotency_key_reused"
    assert resident.get_json()["number"] not in walk_in.get_data(as_text=True)
    assert client.get(f"/api/v1/sites/{site['id']}").get_json()["waiting"] == 1


def test_a_key_used_for_one_ticket_does_not_move_another(client, site, staff, join):
    """A staff move names its ticket in the URL: the URL is part of what the key is bound to."""
    a, b = join(6), join(7)
    client.post(f"/api/v1/sites/{site['id']}/stations/1/call", headers={**staff, "Idempotency-Key": "c-1"})
    client.post(f"/api/v1/sites/{site['id']}/stations/2/call", headers={**staff, "Idempotency-Key": "c-2"})
    first = client.post(f"/api/v1/tickets/{a['id']}/no-show", headers={**staff, "Idempotency-Key": "m-1"})
    assert first.status_code == 200
    second = client.post(f"/api/v1/tickets/{b['id']}/no-show", headers={**staff, "Idempotency-Key": "m-1"})
    assert second.status_code == 200 and second.get_json()["status"] == "no_show"


def test_a_reused_key_on_a_sampling_script_is_refused_too(client, site, staff):
    url = f"/api/v1/sites/{site['id']}/stations/1/tube"
    opened = client.post(url, json={"code": "3000000101"}, headers={**staff, "Idempotency-Key": "t-1"})
    assert opened.status_code in (200, 201)
    closed = client.post(url + "/close", headers={**staff, "Idempotency-Key": "t-2"})
    assert closed.status_code == 200
    again = client.post(url, json={"code": "3000000102"}, headers={**staff, "Idempotency-Key": "t-1"})
    assert again.status_code == 422 and again.get_json()["error"]["code"] == "idempotency_key_reused"
