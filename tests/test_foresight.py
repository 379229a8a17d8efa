"""The dashboard's foresight: from the site's measured pace, its queue and its arrivals, whether
waits will pass the target, and which station to open by when (real Redis, a fixed clock)."""

import pytest

from natqueue.figures import dashboard, foresight
from natqueue.sites import registry, settings
from natqueue.sites.stations import set_station_status
from natqueue.tickets import joining, moves
from natqueue.tickets.lanes import Person
from natqueue.web import close_app, create_app
from tests import stats_support
from tests.community_support import make_community, make_site, roster
from tests.conftest import ADMIN_TOKEN, person
from tests.stats_support import Clock, at

SITE = "jinyu"


qb = stats_support.qb  # the backend on this module's clock


@pytest.fixture
def clock():
    return Clock(at("08:30"))


@pytest.fixture
def clocked_app(redis_server, clock, tmp_path):
    """The app on the same Redis and the same fixed clock as ``qb``: the community's API."""
    app = create_app({"TESTING": True, "REDIS_URL": redis_server.url, "NATQ_MESSAGE_QUEUE": "off",
                      "NATQ_ADMIN_TOKEN": ADMIN_TOKEN, "NATQ_DATA_DIR": str(tmp_path), "NATQ_CLOCK": clock})
    yield app
    close_app(app)


def _half_hour(qb, clock, joins: int, stations=(1, 2), swab_s: int = 40, site: str = SITE) -> None:
    """08:30-09:00 at the site: ``joins`` people take numbers at an even pace while each of
    ``stations`` calls and samples one person every ``swab_s`` seconds. Then the clock reads 09:00."""
    start = at("08:30")
    events = [(start + i * 1800_000 // joins, 0, None) for i in range(joins)]
    events += [(start + swab_s * 1000 * (j + 1), 1, n) for n in stations for j in range(1800 // swab_s)]
    seed = 0
    for t, _, station in sorted(events):
        clock.now = t
        if station is None:
            seed += 1
            joining.join(qb, site, **person(seed))
            continue
        ticket = moves.call_next(qb, site, station)[0]
        moves.transition(qb, ticket["id"], "check_in")
        moves.transition(qb, ticket["id"], "sampled")
    clock.set("09:00")


def _busy_site(qb, clock, stations: int = 3) -> None:
    """Two stations at 40 s a person (180 an hour) while 240 an hour take numbers; the others closed."""
    registry.create_site(qb, SITE, "金域华府", stations, require_tube=False)
    for n in range(3, stations + 1):
        set_station_status(qb, SITE, n, "closed")
    _half_hour(qb, clock, joins=120)


def test_a_site_falling_behind_is_told_which_station_to_open_by_when(qb, clock):
    _busy_site(qb, clock)
    figs = dashboard.site_stats(qb, SITE)
    ahead = figs["foresight"]
    assert figs["waiting"] == 30
    # What it was read from: the pace of the last half hour, the queue, the measured swabs.
    assert ahead["arrivals_per_hour"] == 240 and ahead["arrivals"] == "measured"
    assert (ahead["service"], ahead["service_s"], ahead["waiting"]) == ("measured", 40.0, 30)
    assert (ahead["at"], ahead["until"], ahead["target_s"]) == ("09:00", "11:00", 1800)
    # The queue grows by 60 an hour: about an hour from now, newcomers would wait past 30 minutes.
    assert ahead["status"] == "act"
    assert ahead["stations_open"] == 2 and ahead["more"] == 1 and ahead["stations"] == 3
    assert "09:45" <= ahead["breach_at"] <= "10:45"
    assert "09:00" < ahead["open_by"] < ahead["breach_at"] and not ahead["open_now"]
    assert ahead["worst_p90_s"] > 1800
    alert = next(a for a in figs["alerts"] if a["kind"] == "foresight")
    assert alert["active"] and alert["detail"] == {
        "more": 1, "stations": 3, "open_by": ahead["open_by"], "open_now": False,
        "breach_at": ahead["breach_at"], "target_s": 1800}


def test_the_recommendation_holds_when_followed_and_opening_later_does_not(qb, clock):
    """open_by is the latest time that works: a station opened then keeps every quarter's p90
    within the target, one opened five minutes after it does not."""
    _busy_site(qb, clock)
    ahead = foresight.foresee(qb, SITE)
    inputs = foresight.plan_inputs(qb, SITE)["plan"]
    fields = {**inputs, "arrivals": [{"from": "09:00", "to": "11:00", "per_hour": 240.0}], "seed": foresight.SEED}
    trials = foresight._Trials(fields, 9 * 3600, 1800)
    h, m = (int(x) for x in ahead["open_by"].split(":"))
    assert trials.holds(2, 1, h * 3600 + m * 60)
    assert not trials.holds(2, 1, h * 3600 + m * 60 + foresight.STEP_S)
    assert not trials.holds(2, 0)
    # And it is before the target breaks: a station opened then comes too late.
    h, m = (int(x) for x in ahead["breach_at"].split(":"))
    assert not trials.holds(2, 1, h * 3600 + m * 60)


def test_opening_the_station_updates_the_recommendation_at_once(qb, clock):
    _busy_site(qb, clock)
    assert dashboard.site_stats(qb, SITE)["foresight"]["status"] == "act"
    set_station_status(qb, SITE, 3, "open")  # same minute: no waiting for the half-minute refresh
    figs = dashboard.site_stats(qb, SITE)
    ahead = figs["foresight"]
    assert ahead["status"] == "ok" and ahead["stations_open"] == 3 and ahead["stations"] == 3
    assert "open_by" not in ahead and ahead["worst_p90_s"] <= 1800
    alert = next(a for a in figs["alerts"] if a["kind"] == "foresight")
    assert not alert["active"]  # cleared, kept until acknowledged like every alert


def test_a_calm_site_is_told_waits_stay_under_the_target(qb, clock):
    registry.create_site(qb, SITE, "金域华府", 2, require_tube=False)
    _half_hour(qb, clock, joins=30, stations=(1,), swab_s=60)  # 60 an hour come; a station takes a minute each
    figs = dashboard.site_stats(qb, SITE)
    ahead = figs["foresight"]
    assert ahead["status"] == "ok" and ahead["stations"] == 2
    assert ahead["arrivals_per_hour"] == 60 and ahead["worst_p90_s"] < 300
    assert not [a for a in figs["alerts"] if a["kind"] == "foresight"]


def test_the_forecast_follows_the_morning(qb, clock):
    """A crowd arrives at a calm site: within half a minute the dashboard says to open a station."""
    registry.create_site(qb, SITE, "金域华府", 2, require_tube=False)
    _half_hour(qb, clock, joins=30, stations=(1,), swab_s=60)
    assert dashboard.site_stats(qb, SITE)["foresight"]["status"] == "ok"
    for seed in range(1000, 1090):  # a bus of 90 at 09:00
        joining.join(qb, SITE, **person(seed))
    clock.set("09:00", plus_s=foresight.CACHE_MS / 1000)
    ahead = dashboard.site_stats(qb, SITE)["foresight"]
    assert ahead["status"] == "act" and ahead["waiting"] == 90 and ahead["more"] >= 1
    assert "09:00" <= ahead["open_by"] < ahead["breach_at"] <= "09:45"


def test_when_plans_are_costly_forecasts_refresh_less_often_but_a_station_change_shows_at_once(qb, clock):
    """A district whose plans are slow (thousands waiting at each site) keeps each forecast longer
    rather than spend the process on plans; what changes the answer at once still does."""
    registry.create_site(qb, SITE, "金域华府", 2, require_tube=False)
    _half_hour(qb, clock, joins=30, stations=(1,), swab_s=60)
    assert dashboard.site_stats(qb, SITE)["foresight"]["status"] == "ok"
    store = qb.memo["foresight"]
    store["_cost_ms"] = 250.0  # as if each site's plan took a quarter of a second
    for other in range(39):  # and 40 sites had one: 10 s of plans, at most a tenth of the process
        store[f"other-{other}"] = ((), clock.now, {})
    assert foresight.refresh_ms(store) == 100_000
    store["_cost_ms"] = 5000.0  # never longer than MAX_CACHE_MS, however costly plans seem
    assert foresight.refresh_ms(store) == foresight.MAX_CACHE_MS
    store["_cost_ms"] = 250.0
    for seed in range(1000, 1090):  # a bus of 90 at 09:00
        joining.join(qb, SITE, **person(seed))
    clock.set("09:00", plus_s=foresight.CACHE_MS / 1000)
    assert dashboard.site_stats(qb, SITE)["foresight"]["status"] == "ok"  # kept: not due before 100 s
    clock.set("09:00", plus_s=100)
    assert dashboard.site_stats(qb, SITE)["foresight"]["status"] == "act"
    set_station_status(qb, SITE, 2, "open")  # a station opened shows at once, however costly plans are
    assert dashboard.site_stats(qb, SITE)["foresight"]["stations_open"] == 2


def test_arrivals_stop_at_the_closing_time(qb, clock):
    """The same pace that swamps the site by 10:00 does no harm when the site closes at 09:20."""
    _busy_site(qb, clock)
    settings.update_site(qb, SITE, {"closes": "09:20"})
    ahead = dashboard.site_stats(qb, SITE)["foresight"]
    assert ahead["until"] == "09:20" and ahead["status"] == "ok"


def test_a_site_that_measured_nobody_yet_says_it_cannot_tell(qb, clock):
    registry.create_site(qb, SITE, "金域华府", 2, require_tube=False)
    for seed in range(20):
        joining.join(qb, SITE, **person(seed))
    ahead = dashboard.site_stats(qb, SITE)["foresight"]
    assert ahead["status"] == "unknown" and ahead["reason"] == "no_pace"
    assert not [a for a in dashboard.site_stats(qb, SITE)["alerts"] if a["kind"] == "foresight"]


def test_every_station_paused_with_people_waiting_means_reopen_before_the_first_reaches_the_target(qb, clock):
    _busy_site(qb, clock)
    for n in (1, 2):
        set_station_status(qb, SITE, n, "paused")
    ahead = dashboard.site_stats(qb, SITE)["foresight"]
    assert ahead["status"] == "act" and ahead["stations_open"] == 0
    assert ahead["breach_at"] == "09:30"  # nobody is called: everyone waiting reaches it at once
    assert "09:00" <= ahead["open_by"] < "09:30" and ahead["stations"] == ahead["more"] >= 2


def test_the_pace_of_arrivals_is_the_last_half_hour_or_since_the_first_join(qb, clock):
    registry.create_site(qb, SITE, "金域华府", 2, require_tube=False)
    clock.set("07:46")
    for seed in range(10):  # the morning's first ten
        joining.join(qb, SITE, **person(seed))
    clock.set("07:56")
    assert foresight.arrival_pace(qb, SITE, clock.now, "Asia/Shanghai") == 40  # spread over 15 min at least
    clock.set("08:05")
    assert foresight.arrival_pace(qb, SITE, clock.now, "Asia/Shanghai") == 30  # since 07:45, not diluted by 07:05
    clock.set("09:20")
    for seed in range(10, 40):
        joining.join(qb, SITE, **person(seed))
    yellow = Person(**{"doc_type": "id", **person(99)}, single="yellow_code")
    joining.join_people(qb, SITE, [yellow])  # only a single-tube station calls them: not in the pooled pace
    clock.set("09:30")
    # 09:00-09:30 counts (07:50 is long gone): 30 people in half an hour.
    assert foresight.arrival_pace(qb, SITE, clock.now, "Asia/Shanghai") == 60


def test_samples_recorded_in_the_same_instant_still_make_a_forecast(qb, clock):
    """A medic who marks two people sampled at once (a household at one table) leaves a gap of
    0 s between samples: it counts as the shortest swab, it does not stop the forecast."""
    registry.create_site(qb, SITE, "金域华府", 2, require_tube=False)
    _half_hour(qb, clock, joins=30, stations=(1,), swab_s=60)
    for seed in range(500, 502):
        joining.join(qb, SITE, **person(seed))
    pair = [moves.call_next(qb, SITE, 2)[0] for _ in range(2)]
    for ticket in pair:
        moves.transition(qb, ticket["id"], "check_in")
    clock.now += 20  # 0.02 s apart
    moves.transition(qb, pair[0]["id"], "sampled")
    clock.now += 20
    moves.transition(qb, pair[1]["id"], "sampled")
    assert dashboard.site_stats(qb, SITE)["foresight"]["status"] == "ok"


def test_a_community_site_expects_the_buildings_called_to_it_not_the_last_half_hour(
        clocked_app, qb, clock, admin):
    """Walk-ups came at 120 an hour, which two stations keep up with; but the community calls
    the 300 people of 1栋 to this site from 09:00 to 10:00: the forecast goes by the call-up."""
    client = clocked_app.test_client()
    make_site(client, admin, "s1")
    make_community(client, admin, ["s1"], rows=roster(buildings=1, rooms=50, per_room=6))
    _half_hour(qb, clock, joins=60, stations=(1,), site="s1")
    assert foresight.foresee(qb, "s1")["status"] == "ok"  # no call-up yet: 120 an hour
    slot = {"site": "s1", "from": "09:00", "to": "10:00", "buildings": [{"compound": "小区1", "building": "1栋"}]}
    answer = client.put("/api/v1/communities/balicha/callup", json={"slots": [slot]}, headers=admin)
    assert answer.status_code == 200, answer.get_json()
    ahead = foresight.foresee(qb, "s1")
    assert ahead["arrivals"] == "callup" and ahead["arrivals_per_hour"] is None
    # 300 an hour at 40 s a person: two stations fall 120 behind in the hour, three 30.
    assert ahead["status"] == "act" and ahead["stations"] == 3


def test_a_call_up_slot_under_way_brings_its_untested_people_in_the_time_left(clocked_app, qb, clock, admin):
    """At 09:30, halfway through a 09:00-10:00 slot whose 300 people have not come yet, they are
    expected over the half hour left: 600 an hour, not the 300 an hour of the whole slot."""
    client = clocked_app.test_client()
    make_site(client, admin, "s1")
    make_community(client, admin, ["s1"], rows=roster(buildings=1, rooms=50, per_room=6))
    slot = {"site": "s1", "from": "09:00", "to": "10:00", "buildings": [{"compound": "小区1", "building": "1栋"}]}
    client.put("/api/v1/communities/balicha/callup", json={"slots": [slot]}, headers=admin)
    clock.set("09:30")
    assert foresight.plan_inputs(qb, "s1")["plan"]["arrivals"] == [
        {"from": "09:30", "to": "10:00", "per_hour": 600.0}]
