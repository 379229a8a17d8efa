"""Small steps the workflow tests repeat: join, call, scan, sample."""

from tests.conftest import make_id_number, person


def young(seed: int) -> dict:
    """A person born in 1990: in the regular lane (``person`` is born in 1950, so 70+)."""
    return {**person(seed), "id_number": make_id_number(seed, birth="19900101")}


def join_as(client, site_id, seed, **extra):
    body = {**young(seed), **extra}
    response = client.post(f"/api/v1/sites/{site_id}/tickets", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def elderly(seed: int) -> dict:
    """A person born in 1940: over 70 on any day these tests run."""
    return {**person(seed), "id_number": make_id_number(seed, birth="19400101")}


def call(client, site_id, station, staff):
    response = client.post(f"/api/v1/sites/{site_id}/stations/{station}/call", headers=staff)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["ticket"]


def sample(client, ticket_id, staff, status=200):
    response = client.post(f"/api/v1/tickets/{ticket_id}/sampled", headers=staff)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def open_tube(client, site_id, station, code, staff, status=201):
    response = client.post(f"/api/v1/sites/{site_id}/stations/{station}/tube", json={"code": code}, headers=staff)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def call_and_sample(client, site_id, station, staff, seed):
    join_as(client, site_id, seed)
    ticket = call(client, site_id, station, staff)
    return sample(client, ticket["id"], staff)
