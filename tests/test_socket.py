"""Live updates: what a phone watching its ticket, or a board watching a site, receives."""

from natqueue.web import socketio


def _order(event_id: str) -> tuple[int, int]:
    ms, seq = event_id.split("-")
    return int(ms), int(seq)


def _named(received, name):
    return [m["args"][0] for m in received if m["name"] == name]


def test_ticket_watcher_sees_its_ticket_at_once_and_on_call(client, site, staff, join, socket_client):
    ticket = join(1)
    phone = socket_client()
    ack = phone.emit("watch_ticket", {"ticket_id": ticket["id"], "token": ticket["token"]}, callback=True)
    assert ack == {"ok": True}
    first = _named(phone.get_received(), "ticket")
    assert len(first) == 1 and first[0]["status"] == "waiting" and "token" not in first[0]

    client.post(f"/api/v1/sites/{site['id']}/stations/2/call", headers=staff)
    got = _named(phone.get_received(), "ticket")
    assert len(got) == 1 and got[0]["status"] == "called" and got[0]["station"] == 2


def test_wrong_token_watches_nothing(client, site, staff, join, socket_client):
    ticket = join(1)
    intruder = socket_client()
    ack = intruder.emit("watch_ticket", {"ticket_id": ticket["id"], "token": "guess"}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
    assert [m["name"] for m in intruder.get_received()] == ["error"]  # the refusal, also as an event
    client.post(f"/api/v1/sites/{site['id']}/stations/1/call", headers=staff)
    assert intruder.get_received() == []


def test_other_phones_keep_their_place_from_the_broadcast(client, site, staff, join, socket_client):
    """The phone behind the called one receives one site event and can count itself forward."""
    first, second = join(1), join(2)
    phone = socket_client()
    phone.emit("watch_ticket", {"ticket_id": second["id"], "token": second["token"]}, callback=True)
    mine = _named(phone.get_received(), "ticket")[0]
    assert mine["ahead"] == 1
    client.post(f"/api/v1/sites/{site['id']}/stations/1/call", headers=staff)
    received = phone.get_received()
    assert _named(received, "ticket") == []  # its own status did not change
    events = _named(received, "site_event")
    assert len(events) == 1
    event = events[0]
    assert event["type"] == "called" and event["number"] == first["number"] and event["station"] == 1
    assert event["left"] < mine["score"]  # so the phone's ahead becomes 0
    assert _order(event["id"]) > _order(mine["last_event_id"])
    assert "name" not in event and "id_number" not in event and "phone" not in event


def test_one_call_is_one_broadcast_however_many_watch(client, site, staff, join, socket_client, monkeypatch):
    tickets = [join(seed) for seed in range(1, 41)]
    for t in tickets:
        socket_client().emit("watch_ticket", {"ticket_id": t["id"], "token": t["token"]})
    emits = []
    real = socketio.emit
    monkeypatch.setattr(socketio, "emit", lambda *a, **k: (emits.append((a[0], k.get("to"))), real(*a, **k)))
    client.post(f"/api/v1/sites/{site['id']}/stations/1/call", headers=staff)
    assert sorted(emits) == sorted([("site_event", f"site:{site['id']}"), ("ticket", f"ticket:{tickets[0]['id']}")])


def test_site_watcher_gets_snapshot_then_events(client, site, staff, join, socket_client):
    board = socket_client()
    assert board.emit("watch_site", {"site_id": site["id"]}, callback=True) == {"ok": True}
    snapshot = _named(board.get_received(), "site")[0]
    assert snapshot["waiting"] == 0
    join(1)
    join(2)
    events = _named(board.get_received(), "site_event")
    assert [e["type"] for e in events] == ["joined", "joined"]
    assert [e["waiting"] for e in events] == [1, 2]
    assert _order(events[0]["id"]) < _order(events[1]["id"])


def test_reconnecting_board_gets_what_it_missed(client, site, staff, join, socket_client):
    board = socket_client()
    board.emit("watch_site", {"site_id": site["id"]})
    join(1)
    last_seen = _named(board.get_received(), "site_event")[-1]["id"]
    board.disconnect()
    join(2)
    client.post(f"/api/v1/sites/{site['id']}/stations/1/call", headers=staff)
    back = socket_client()
    back.emit("watch_site", {"site_id": site["id"], "last_id": last_seen})
    batches = _named(back.get_received(), "site_events")
    assert len(batches) == 1
    assert [(e["type"], e["number"]) for e in batches[0]["events"]] == [("joined", "A002"), ("called", "A001")]


def test_reconnect_with_a_trimmed_id_gets_a_snapshot(client, site, join, socket_client):
    join(1)
    back = socket_client()
    back.emit("watch_site", {"site_id": site["id"], "last_id": "1-0"})  # older than anything kept
    received = back.get_received()
    assert _named(received, "site_events") == []
    assert _named(received, "site")[0]["waiting"] == 1


def test_http_resync_for_phones_without_a_socket(client, site, join):
    join(1)
    snap = client.get(f"/api/v1/sites/{site['id']}/events").get_json()
    assert snap["snapshot"]["waiting"] == 1
    last = snap["snapshot"]["last_event_id"]
    join(2)
    missed = client.get(f"/api/v1/sites/{site['id']}/events?after={last}").get_json()
    assert missed["snapshot"] is None and [e["number"] for e in missed["events"]] == ["A002"]
    assert client.get(f"/api/v1/sites/{site['id']}/events?after=bogus").status_code == 400


def test_watch_unknown_site_is_refused(socket_client):
    ack = socket_client().emit("watch_site", {"site_id": "nowhere"}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "site_not_found"
