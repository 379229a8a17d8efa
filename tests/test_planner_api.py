"""``POST /api/v1/plan`` through the real app: the contract, refusals, and a live site.

The last test replays a scripted morning on a real site: residents join and two
stations call, check in and sample them at a known pace, with the clock moved
by the test (nobody sleeps). The planner, asked at 09:00 from the site's own
measured pace and queue, must land near the waits the site then really had.
"""

import heapq
import random

import pytest

from tests.conftest import person
from tests.stats_support import Clock, at

#: The scripted morning's arrivals (one draw of a Poisson stream, fixed so the test is repeatable).
REPLAY_SEED = 5
PLAN = {"stations": 6, "service_s": 27, "arrivals": [{"from": "06:30", "to": "12:30", "per_hour": 800}]}


def test_planning_needs_the_organizer(app, client, staff, admin):
    assert app.test_client().post("/api/v1/plan", json=PLAN).status_code == 401
    refused = client.post("/api/v1/plan", json=PLAN, headers=staff)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert client.post("/api/v1/plan", json=PLAN, headers=admin).status_code == 200


def test_a_plan_is_answered_in_the_contract_shape(client, admin):
    body = client.post("/api/v1/plan", json=PLAN, headers=admin).get_json()
    assert set(body["wait"]) == {"mean_s", "p90_s", "max_s"}
    assert body["wait"]["p90_s"] < 1800 and body["stable"] is True
    assert "stations_needed" not in body
    first = body["by_15min"][0]
    assert set(first) == {"from", "arrivals", "mean_wait_s", "p90_wait_s", "queue"}
    assert first["from"] == "06:30" and first["queue"] == 0
    assert [b["from"] for b in body["by_15min"][:3]] == ["06:30", "06:45", "07:00"]
    assert sum(b["arrivals"] for b in body["by_15min"]) == pytest.approx(4800, rel=0.05)
    # Optional fields: unseeded plans answer alike (seed 0), a target brings the least stations.
    again = client.post("/api/v1/plan", json={**PLAN, "days": 1, "service_dist": "exponential"}, headers=admin)
    assert again.get_json() == body
    targeted = client.post("/api/v1/plan", json={**PLAN, "stations": 4, "target_wait_s": 1800, "seed": 3},
                           headers=admin).get_json()
    assert targeted["stations_needed"] == 6
    assert targeted["wait"]["p90_s"] > 1800 and targeted["stable"] is True


@pytest.mark.parametrize(("change", "fields"), [
    ({"stations": 0}, {"stations": "integer_1_to_500"}),
    ({"stations": None}, {"stations": "required"}),
    ({"service_s": -27}, {"service_s": "seconds_above_0"}),
    ({"target_wait_s": -60}, {"target_wait_s": "seconds_not_negative"}),
    ({"arrivals": [{"from": "08:00", "to": "08:00", "per_hour": 100}]}, {"arrivals[0]": "empty_slot"}),
    ({"arrivals": [{"from": "12:00", "to": "08:00", "per_hour": 100}]}, {"arrivals[0]": "reversed_slot"}),
    ({"arrivals": [{"from": "08:00", "to": "12:00", "per_hour": -1}]}, {"arrivals[0].per_hour": "not_negative"}),
    ({"service_dist": "gamma"}, {"service_dist": "one_of_exponential|deterministic"}),
])
def test_a_bad_plan_gets_400_naming_the_field(client, admin, change, fields):
    answer = client.post("/api/v1/plan", json={**PLAN, **change}, headers=admin)
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["code"] == "invalid" and error["message"] and error["fields"] == fields


@pytest.mark.parametrize(("change", "fields"), [
    ({"days": 32}, {"days": "too_large"}),
    ({"days": 31, "arrivals": [{"from": "00:00", "to": "24:00", "per_hour": 14_000}]}, {"arrivals": "too_large"}),
])
def test_a_plan_too_large_to_simulate_is_refused_before_any_work(client, admin, change, fields):
    answer = client.post("/api/v1/plan", json={**PLAN, **change}, headers=admin)
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["code"] == "plan_too_large" and error["fields"] == fields
    assert "31" in error["message"] and "10" in error["message"]


def test_a_body_that_is_not_a_json_object_is_refused(client, admin):
    answer = client.post("/api/v1/plan", data="stations=2", headers=admin)
    assert answer.status_code == 400 and answer.get_json()["error"]["fields"] == {"body": "json_object_required"}
    answer = client.post("/api/v1/plan", json=["stations", 2], headers=admin)
    assert answer.status_code == 400 and answer.get_json()["error"]["fields"] == {"body": "json_object_required"}


def test_the_what_if_round_answers_staff_by_hour(client, admin):
    body = client.post("/api/v1/plan/round", json={"residents": 4800, "stations": 6, "from": "06:30",
                                                   "to": "12:30"}, headers=admin).get_json()
    assert body["stations_needed"] == 6 and body["guideline_stations"] == [6, 8]
    assert body["by_hour"][0]["staff"] == {"medic": 6, "cadre": 12, "worker_entry": 12, "worker_order": 12,
                                           "total": 42}
    bad = client.post("/api/v1/plan/round", json={"residents": 0, "stations": 6, "from": "12:30", "to": "06:30"},
                      headers=admin)
    assert bad.status_code == 400 and bad.get_json()["error"]["fields"] == {"residents": "integer_1_to_10000000"}


def test_a_site_plan_needs_a_real_site(client, admin):
    assert client.post("/api/v1/plan", json={"site": "nowhere"}, headers=admin).status_code == 404
    bad = client.post("/api/v1/plan", json={"site": "Not A Site!"}, headers=admin)
    assert bad.status_code == 400 and bad.get_json()["error"]["fields"] == {"site": "format"}


# --- a live site -----------------------------------------------------------------------


class Morning:
    """Drives a real site: joins at given times, stations sampling at a given pace."""

    def __init__(self, client, site, staff, clock, pace):
        self.client, self.site, self.staff, self.clock = client, site, staff, clock
        self.pace = pace  # seconds each person takes at the table, in turn
        self.joined, self.called = {}, {}
        self.seed = 0

    def join(self, when_ms):
        self.clock.now = when_ms
        self.seed += 1
        answer = self.client.post(f"/api/v1/sites/{self.site['id']}/tickets", json=person(self.seed))
        assert answer.status_code == 201, answer.get_json()
        self.joined[answer.get_json()["id"]] = when_ms

    def run(self, start_ms, joins=(), stations=(1, 2)):
        """Every station calls from ``start_ms`` until nobody is waiting and nobody is to come."""
        # (time, order, station, kind, ticket): ties go by station, never by a random ticket id.
        events = [(t, 0, 0, "join", None) for t in joins]
        events += [(start_ms, 1, n, "call", None) for n in stations]
        heapq.heapify(events)
        idle = []
        while events:
            t, _, n, kind, ticket_id = heapq.heappop(events)
            self.clock.now = t
            if kind == "join":
                self.join(t)
                for station in idle:  # a station with nobody to call calls again when someone comes
                    heapq.heappush(events, (t, 1, station, "call", None))
                idle = []
                continue
            if kind == "sampled":
                self._post(f"/api/v1/tickets/{ticket_id}/sampled")
                heapq.heappush(events, (t, 1, n, "call", None))
                continue
            ticket = self._post(f"/api/v1/sites/{self.site['id']}/stations/{n}/call")["ticket"]
            if ticket is None:
                idle.append(n)
                continue
            self.called[ticket["id"]] = t
            self._post(f"/api/v1/tickets/{ticket['id']}/check-in")
            heapq.heappush(events, (t + int(next(self.pace) * 1000), 2, n, "sampled", ticket["id"]))

    def _post(self, path):
        answer = self.client.post(path, headers=self.staff)
        assert answer.status_code == 200, (path, answer.get_json())
        return answer.get_json()

    def waits_s(self, since_ms):
        return [(self.called[tid] - joined) / 1000 for tid, joined in self.joined.items()
                if joined >= since_ms and tid in self.called]


def _cycle(values):
    while True:
        yield from values


def test_a_replayed_morning_lands_near_what_the_planner_predicted_from_the_site(app, client, site, staff, admin):
    """A warm-up measures the pace (30-50 s a person, 40 on average); at 09:00 forty
    people wait and about one a minute keep coming until 09:30. Predicted from the site
    at 09:00, the mean and longest waits land within 15% of what the site then had."""
    clock = Clock(at("08:40"))
    app.extensions["natqueue"].clock = clock
    morning = Morning(client, site, staff, clock, _cycle([30, 50, 35, 45, 40]))
    for _ in range(12):
        morning.join(at("08:40"))
    morning.run(at("08:40"))  # 12 sampled by 08:45: gaps of 30-50 s measured at both stations

    nine = at("09:00")
    for _ in range(40):
        morning.join(nine)
    clock.now = nine
    plan = {"site": site["id"], "arrivals": [{"from": "09:00", "to": "09:30", "per_hour": 60}]}
    predicted = [client.post("/api/v1/plan", json={**plan, "seed": seed}, headers=admin).get_json()
                 for seed in range(8)]
    based = predicted[0]["based_on"]
    assert based["service"] == "measured" and based["gaps"] == 10
    assert based["waiting"] == 40 and based["stations_open"] == 2 and based["start"] == "09:00"
    assert 35 <= based["service_s"] <= 45
    first = predicted[0]["by_15min"][0]
    assert (first["from"], first["queue"]) == ("09:00", 40)

    arrivals = random.Random(REPLAY_SEED)
    joins, t = [], nine
    while (t := t + int(arrivals.expovariate(1 / 60) * 1000)) < at("09:30"):
        joins.append(t)
    morning.run(nine, joins)
    waits = morning.waits_s(nine)
    assert len(waits) == 40 + len(joins)
    # A forecast is what a morning like this brings on average: the mean over the planner's seeds.
    expected_mean = sum(p["wait"]["mean_s"] for p in predicted) / len(predicted)
    expected_max = sum(p["wait"]["max_s"] for p in predicted) / len(predicted)
    assert sum(waits) / len(waits) == pytest.approx(expected_mean, rel=0.15)
    assert max(waits) == pytest.approx(expected_max, rel=0.15)


def test_the_what_if_page_asks_an_organizer_to_sign_in_first(app, client, admin):
    page = app.test_client().get("/organizer/plan")
    assert page.status_code == 401 and 'id="organizer-form"' in page.get_data(as_text=True)
    signed_in = client.get("/organizer/plan", headers=admin).get_data(as_text=True)
    assert 'id="plan-form"' in signed_in and "规划一轮采样" in signed_in
    assert 'name="standard.worker_order" type="number" min="0" max="20" value="2"' in signed_in


def test_the_page_staffs_a_station_by_the_same_default_standard_as_the_dashboard():
    from natqueue import planner
    from natqueue.figures.arithmetic import DEFAULT_STANDARD

    assert planner.DEFAULT_STANDARD == DEFAULT_STANDARD
