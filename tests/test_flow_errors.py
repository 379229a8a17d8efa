"""Bad input to the workflow's endpoints: a 400 naming the field, and nothing changed."""

import pytest

from tests.flow_helpers import join_as, young

STAFF_CASES = [
    ("stations/1/mode", {"mode": "mixed"}, {"mode": "one_of_pooled_single"}),
    ("stations/1/scan", {"code": ""}, {"code": "required"}),
    ("stations/1/tube", {"code": "abc"}, {"code": "format"}),
    ("stations/1/walk-in", {"name": "", "doc_type": "passport", "id_number": "E1"},
     {"name": "required", "id_number": "format"}),
    ("stations/1/walk-in", {"name": "王", "doc_type": "library", "id_number": "1"}, {"doc_type": "unknown"}),
    ("stations/1/medic", {"name": ""}, {"name": "required"}),
    ("home", {**young(1), "address": "", "reason": ""}, {"address": "required", "reason": "required"}),
    ("home", {"name": "", "id_number": "1", "address": "", "reason": "卧床"},
     {"name": "required", "id_number": "format", "address": "required"}),
]


@pytest.mark.parametrize(("path", "body", "fields"), STAFF_CASES)
def test_staff_endpoints_name_the_bad_field(client, site, staff, path, body, fields):
    before = client.get(f"/api/v1/sites/{site['id']}").get_json()
    response = client.post(f"/api/v1/sites/{site['id']}/{path}", json=body, headers=staff)
    assert response.status_code == 400
    assert response.get_json()["error"] == {"code": "invalid", "message": response.get_json()["error"]["message"],
                                            "fields": fields}
    after = client.get(f"/api/v1/sites/{site['id']}").get_json()
    assert (after["waiting"], after["last_event_id"]) == (before["waiting"], before["last_event_id"])


@pytest.mark.parametrize(("body", "fields"), [
    ({"priority": "vip"}, {"priority": "one_of_elderly_disabled_pregnant_child"}),
    ({"single": "maybe"}, {"single": "one_of_yellow_code_organizer"}),
])
def test_flags_take_known_reasons_only(client, site, staff, body, fields):
    ticket = join_as(client, site["id"], 1)
    response = client.post(f"/api/v1/tickets/{ticket['id']}/flags", json=body, headers=staff)
    assert (response.status_code, response.get_json()["error"]["fields"]) == (400, fields)
    assert client.get(f"/api/v1/tickets/{ticket['id']}", headers=staff).get_json()["lane"] == "r"


@pytest.mark.parametrize(("body", "fields"), [
    ({"priority_ratio": [0, 2]}, {"priority_ratio": "two_integers_1_to_10"}),
    ({"tube_pattern": "("}, {"tube_pattern": "regex"}),
    ({"family_max": 9}, {"family_max": "integer_1_to_8"}),
    ({"retention_days": 0}, {"retention_days": "integer_1_to_365"}),
    ({"require_tube": "yes"}, {"require_tube": "boolean"}),
    ({"colour": "red"}, {"colour": "unknown"}),
])
def test_settings_are_checked(client, site, admin, staff, body, fields):
    response = client.patch(f"/api/v1/sites/{site['id']}/workflow", json=body, headers=admin)
    assert (response.status_code, response.get_json()["error"]["fields"]) == (400, fields)
    assert client.patch(f"/api/v1/sites/{site['id']}/workflow", json={"family_max": 3},
                        headers=staff).status_code == 403
    settings = client.get(f"/api/v1/sites/{site['id']}/workflow", headers=staff).get_json()
    assert (settings["priority_ratio"], settings["family_max"], settings["tube_capacity"]) == ([1, 2], 8, 10)


def test_home_done_needs_a_team(client, site, staff):
    added = client.post(f"/api/v1/sites/{site['id']}/home", json={**young(1), "address": "3 栋", "reason": "卧床"},
                        headers=staff).get_json()
    response = client.post(f"/api/v1/tickets/{added['id']}/home-done", json={"team": 0}, headers=staff)
    assert (response.status_code, response.get_json()["error"]["fields"]) == (400, {"team": "integer_1_to_99"})
    assert client.get(f"/api/v1/sites/{site['id']}/home", headers=staff).get_json()["home"][0]["id"] == added["id"]
