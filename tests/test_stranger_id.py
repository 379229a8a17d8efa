"""Joining with someone else's ID tells whether it is queued, never their ticket number.

It once answered 409 with the holder's number: anyone who knew (or guessed) an ID could
learn when that person would be called. The number is given back only to whoever gives
the phone number the ticket joined with, the resident who lost their page, or to staff.
"""

from tests.conftest import person


def _join(client, site_id, body, **headers):
    return client.post(f"/api/v1/sites/{site_id}/tickets", json=body, headers=headers)


def test_a_stranger_with_someone_elses_id_learns_no_number(client, site):
    mine = _join(client, site["id"], person(1)).get_json()
    stranger = _join(client, site["id"], {**person(1), "name": "陌生人", "phone": "13900000000"})
    assert stranger.status_code == 409
    error = stranger.get_json()["error"]
    assert error["code"] == "already_queued" and "number" not in error
    assert mine["number"] not in stranger.get_data(as_text=True)


def test_the_holder_with_their_phone_gets_their_number_back(client, site):
    mine = _join(client, site["id"], person(2)).get_json()
    again = _join(client, site["id"], {**person(2), "phone": "+86 " + person(2)["phone"]})
    assert again.status_code == 409 and again.get_json()["error"]["number"] == mine["number"]


def test_a_household_member_already_queued_is_named_without_a_number(client, site):
    _join(client, site["id"], person(3))
    family = {"phone": "13911112222", "people": [person(4), {k: v for k, v in person(3).items() if k != "phone"}]}
    refused = _join(client, site["id"], family)
    error = refused.get_json()["error"]
    assert refused.status_code == 409 and error["person"] == 1 and "number" not in error


def test_staff_at_the_table_see_the_number(client, site, staff):
    mine = _join(client, site["id"], person(5)).get_json()
    walk_in = client.post(f"/api/v1/sites/{site['id']}/stations/1/walk-in", json={**person(5), "phone": ""},
                          headers=staff)
    assert walk_in.status_code == 409 and walk_in.get_json()["error"]["number"] == mine["number"]
