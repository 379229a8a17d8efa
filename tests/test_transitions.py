"""Every move a ticket may make, and every move it may not."""

import pytest

STAFF_MOVES = {"recall": "recall", "check-in": "check-in", "no-show": "no-show", "sampled": "sampled"}


@pytest.fixture
def at_status(client, site, staff, join):
    """A ticket brought to ``status`` the way a real site would."""

    def _make(status: str, seed: int = 1) -> dict:
        ticket = join(seed)
        holder = {"X-Ticket-Token": ticket["token"]}
        if status in ("called", "sampled", "no_show"):
            called = client.post(f"/api/v1/sites/{site['id']}/stations/1/call", headers=staff).get_json()
            assert called["ticket"]["id"] == ticket["id"]
        if status == "sampled":
            assert client.post(f"/api/v1/tickets/{ticket['id']}/sampled", headers=staff).status_code == 200
        if status == "no_show":
            assert client.post(f"/api/v1/tickets/{ticket['id']}/no-show", headers=staff).status_code == 200
        if status == "cancelled":
            assert client.delete(f"/api/v1/tickets/{ticket['id']}", headers=holder).status_code == 200
        return ticket

    return _make


def _move(client, staff, ticket, move):
    if move == "cancel":
        return client.delete(f"/api/v1/tickets/{ticket['id']}", headers={"X-Ticket-Token": ticket["token"]})
    return client.post(f"/api/v1/tickets/{ticket['id']}/{move}", headers=staff)


ALLOWED = {
    ("waiting", "cancel"): "cancelled",
    ("called", "recall"): "called",
    ("called", "check-in"): "called",
    ("called", "no-show"): "no_show",
    ("called", "sampled"): "sampled",
    ("called", "cancel"): "cancelled",
}
STATUSES = ("waiting", "called", "sampled", "no_show", "cancelled")
MOVES = ("recall", "check-in", "no-show", "sampled", "cancel")


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("move", MOVES)
def test_transition_matrix(client, staff, at_status, status, move):
    ticket = at_status(status)
    before = client.get(f"/api/v1/tickets/{ticket['id']}", headers={"X-Ticket-Token": ticket["token"]}).get_json()
    response = _move(client, staff, ticket, move)
    after = client.get(f"/api/v1/tickets/{ticket['id']}", headers={"X-Ticket-Token": ticket["token"]}).get_json()
    expected = ALLOWED.get((status, move))
    if expected is None:
        assert response.status_code == 409, (status, move)
        error = response.get_json()["error"]
        assert error["code"] == "invalid_transition" and error["current_status"] == status
        assert after == before  # nothing changed
    else:
        assert response.status_code == 200, (status, move)
        assert after["status"] == expected


def test_recall_counts_and_keeps_the_station(client, staff, at_status):
    ticket = at_status("called")
    for _ in range(2):
        client.post(f"/api/v1/tickets/{ticket['id']}/recall", headers=staff)
    after = client.get(f"/api/v1/tickets/{ticket['id']}", headers={"X-Ticket-Token": ticket["token"]}).get_json()
    assert after["recalls"] == 2 and after["station"] == 1 and after["status"] == "called"


def test_first_check_in_counts(client, staff, at_status):
    ticket = at_status("called")
    first = client.post(f"/api/v1/tickets/{ticket['id']}/check-in", headers=staff).get_json()
    second = client.post(f"/api/v1/tickets/{ticket['id']}/check-in", headers=staff).get_json()
    assert first["checked_in_ms"] is not None and second["checked_in_ms"] == first["checked_in_ms"]


def test_retried_sampled_replays_instead_of_conflicting(client, staff, at_status):
    ticket = at_status("called")
    headers = {**staff, "Idempotency-Key": "sample-1"}
    a = client.post(f"/api/v1/tickets/{ticket['id']}/sampled", headers=headers)
    b = client.post(f"/api/v1/tickets/{ticket['id']}/sampled", headers=headers)
    assert a.status_code == b.status_code == 200 and b.get_json()["status"] == "sampled"


def test_unknown_move_is_404(client, staff, at_status):
    ticket = at_status("called")
    assert client.post(f"/api/v1/tickets/{ticket['id']}/explode", headers=staff).status_code == 404


def test_finished_ticket_frees_the_id_number_for_the_next_round(client, staff, at_status, join):
    at_status("sampled", seed=9)
    assert join(9)["status"] == "waiting"
