"""Holes found by walking the workflow as its users do: each test names what a user would see."""

from tests.flow_helpers import call, call_and_sample, join_as, open_tube, sample, young

TUBE, TUBE2 = "1000000001", "200000000002"


def test_a_yellow_code_resident_is_never_sampled_outside_a_single_tube(client, site, staff):
    """No tube open (the site does not require one): the swab of a yellow-code resident would go
    into whatever tube the medic holds, maybe a pooled one."""
    ticket = join_as(client, site["id"], 1, yellow_code=True)
    client.post(f"/api/v1/sites/{site['id']}/stations/2/mode", json={"mode": "single"}, headers=staff)
    assert call(client, site["id"], 2, staff)["id"] == ticket["id"]
    refused = sample(client, ticket["id"], staff, status=409)
    assert refused["error"]["code"] == "single_tube_required"
    # The same at a home visit with no tube open.
    body = {**young(5), "address": "3 栋", "reason": "黄码居家", "single": "yellow_code"}
    added = client.post(f"/api/v1/sites/{site['id']}/home", json=body, headers=staff).get_json()
    done = client.post(f"/api/v1/tickets/{added['id']}/home-done", json={"team": 1}, headers=staff)
    assert (done.status_code, done.get_json()["error"]["code"]) == (409, "single_tube_required")
    # With a single tube open it goes through.
    client.post(f"/api/v1/sites/{site['id']}/home/1/tube?mode=single", json={"code": TUBE2}, headers=staff)
    done = client.post(f"/api/v1/tickets/{added['id']}/home-done", json={"team": 1}, headers=staff)
    assert (done.status_code, done.get_json()["sample_mode"]) == (200, "single")


def test_a_tube_never_holds_a_position_beyond_its_capacity(client, site, staff):
    """A sample moved out frees its place: the lab's rack has positions 1 to capacity."""
    client.patch(f"/api/v1/sites/{site['id']}/workflow", json={"tube_capacity": 5}, headers={
        "Authorization": "Bearer " + client.application.config["NATQ_ADMIN_TOKEN"]})
    open_tube(client, site["id"], 1, TUBE, staff)
    open_tube(client, site["id"], 2, TUBE2, staff)
    done = [call_and_sample(client, site["id"], 1, staff, seed) for seed in range(1, 4)]
    moved = client.post(f"/api/v1/tickets/{done[1]['id']}/move", json={"tube": TUBE2}, headers=staff)
    assert moved.status_code == 200
    rest = [call_and_sample(client, site["id"], 1, staff, seed) for seed in range(4, 7)]
    assert [r["tube_position"] for r in rest] == [2, 4, 5]
    assert [r["tube_filled"] for r in rest] == [False, False, True]


def test_a_sample_belongs_to_the_round_it_was_taken_in(client, site, staff, admin):
    """Residents who joined before the organizer started the day's round are sampled in it:
    the lab's export of that round lists them, and they count in its figures."""
    early = join_as(client, site["id"], 1)  # 06:30, before the organizer starts round 2
    started = client.post(f"/api/v1/sites/{site['id']}/rounds", json={"name": "第 4 轮全员核酸 2026-04-03"},
                          headers=admin)
    assert started.status_code == 201
    open_tube(client, site["id"], 1, TUBE, staff)
    assert call(client, site["id"], 1, staff)["id"] == early["id"]
    done = sample(client, early["id"], staff)
    assert done["round"] == "2"
    rows = {r: client.get(f"/api/v1/sites/{site['id']}/rounds/{r}/export.csv", headers=admin)
            .get_data().decode("utf-8-sig").splitlines() for r in ("1", "2")}
    assert len(rows["1"]) == 1 and len(rows["2"]) == 2 and rows["2"][1].startswith(TUBE + ",1,")
    counts = client.get(f"/api/v1/sites/{site['id']}/rounds/2", headers=staff).get_json()["counts"]
    assert (counts["sampled"], counts["pooled"]) == (1, 1)
    # Once sampled in round 2, the same person cannot be sampled again in it.
    join_as(client, site["id"], 1)
    again = call(client, site["id"], 1, staff)
    assert sample(client, again["id"], staff, status=409)["error"]["code"] == "already_sampled"


def test_a_resident_found_yellow_at_a_pooled_table_goes_back_to_wait_for_a_single_tube_station(
        client, site, staff, socket_client):
    """The cadre sees a yellow code at the table: marking it sends the resident to the single-tube
    queue at their place by join order, instead of leaving them stuck at a table that must refuse."""
    first = join_as(client, site["id"], 1)
    later = join_as(client, site["id"], 2, yellow_code=True)
    open_tube(client, site["id"], 1, TUBE, staff)
    assert call(client, site["id"], 1, staff)["id"] == first["id"]
    watcher = socket_client()
    watcher.emit("watch_site", {"site_id": site["id"]})
    watcher.get_received()
    flagged = client.post(f"/api/v1/tickets/{first['id']}/flags", json={"single": "yellow_code"}, headers=staff)
    assert flagged.status_code == 200
    body = flagged.get_json()
    assert (body["status"], body["lane"], body["station"], body["ahead"]) == ("waiting", "sr", None, 0)
    station = client.get(f"/api/v1/sites/{site['id']}/stations/1", headers=staff).get_json()
    assert station["serving"] == [] and station["waiting"] == 2
    events = [m["args"][0] for m in watcher.get_received() if m["name"] == "site_event"]
    assert [(e["type"], e["entered"], e["entered_lane"], e["waiting"]) for e in events] == [
        ("flags", first["score"], "sr", 2)]
    assert call(client, site["id"], 1, staff) is None  # the pooled station never calls them
    client.post(f"/api/v1/sites/{site['id']}/stations/2/mode", json={"mode": "single"}, headers=staff)
    open_tube(client, site["id"], 2, TUBE2, staff)
    assert call(client, site["id"], 2, staff)["id"] == first["id"]  # before the later yellow code
    done = sample(client, first["id"], staff)
    assert (done["tube"], done["sample_mode"]) == (TUBE2, "single")
    assert client.get(f"/api/v1/tickets/{later['id']}", headers=staff).get_json()["ahead"] == 0


def test_short_documents_are_masked_too(client, site, staff):
    """A passport or a Taiwan permit has 8 or 9 characters: 'first 4, last 4' showed all of them."""
    joined = {}
    for doc_type, number in (("passport", "X1234567"), ("taiwan", "12345678"), ("hk_macau", "C12345678"),
                             ("foreign_pr", "USA110507150019")):
        body = {"name": "Anna", "phone": "13900000015", "doc_type": doc_type, "id_number": number}
        response = client.post(f"/api/v1/sites/{site['id']}/tickets", json=body)
        assert response.status_code == 201, response.get_json()
        joined[number] = response.get_json()["id_number"]
        client.delete(f"/api/v1/tickets/{response.get_json()['id']}", headers=staff)
    assert joined == {"X1234567": "X*****67", "12345678": "1*****78", "C12345678": "C******78",
                      "USA110507150019": "USA1*******0019"}


def test_yellow_code_true_is_kept_for_a_walk_in_and_a_home_visit(client, site, staff):
    """The join takes ``yellow_code: true``; a walk-in or home visit sent the same way lost the mark
    (only ``single`` was read) and the resident went into the pooled lane."""
    walk_in = client.post(f"/api/v1/sites/{site['id']}/stations/1/walk-in",
                          json={**young(1), "yellow_code": True}, headers=staff)
    assert walk_in.status_code == 201
    assert (walk_in.get_json()["single"], walk_in.get_json()["lane"]) == ("yellow_code", "sr")
    assert call(client, site["id"], 1, staff) is None  # never to a pooled station
    home = client.post(f"/api/v1/sites/{site['id']}/home", headers=staff,
                       json={**young(2), "address": "3 栋", "reason": "黄码居家", "yellow_code": True})
    assert home.status_code == 201 and home.get_json()["single"] == "yellow_code"


def test_a_tube_code_opened_at_one_site_never_opens_at_another(client, site, staff, admin):
    """One lab takes the tubes of many sites and knows a tube by its code: the same code at two
    sites would put both sites' people under one positive tube."""
    open_tube(client, site["id"], 1, TUBE, staff)
    other = client.post("/api/v1/sites", json={"id": "other-site", "name": "八里岔", "stations": 1},
                        headers=admin).get_json()
    token = client.post("/api/v1/auth/staff", json={"site_id": other["id"], "code": other["staff_code"]})
    other_staff = {"Authorization": f"Bearer {token.get_json()['token']}"}
    refused = open_tube(client, other["id"], 1, TUBE, other_staff, status=409)
    assert refused["error"]["code"] == "tube_used_elsewhere"
    assert open_tube(client, other["id"], 1, TUBE2, other_staff)["code"] == TUBE2


def test_staff_can_take_a_resident_off_the_home_sampling_list(client, site, staff):
    """Added by mistake, or the resident came to the site after all: the entry must go, or it
    blocks the person from the queue for the whole round."""
    added = client.post(f"/api/v1/sites/{site['id']}/home", headers=staff,
                        json={**young(5), "address": "3 栋", "reason": "卧床"}).get_json()
    blocked = client.post(f"/api/v1/sites/{site['id']}/tickets", json=young(5))
    assert blocked.get_json()["error"]["code"] == "already_queued"
    scanned = client.post(f"/api/v1/sites/{site['id']}/stations/1/scan", json={"code": young(5)["id_number"]},
                          headers=staff).get_json()["error"]  # the cadre is told why, and where
    assert (scanned["code"], scanned["number"]) == ("on_home_list", added["number"])
    stranger = client.application.test_client()  # no staff cookie
    assert stranger.delete(f"/api/v1/tickets/{added['id']}").status_code == 403
    removed = client.delete(f"/api/v1/tickets/{added['id']}", headers=staff)
    assert (removed.status_code, removed.get_json()["status"]) == (200, "cancelled")
    assert client.get(f"/api/v1/sites/{site['id']}/home", headers=staff).get_json()["home"] == []
    assert client.post(f"/api/v1/sites/{site['id']}/tickets", json=young(5)).status_code == 201
