"""Every figure the organizer sees, against a controlled clock (time is injected, never slept)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from natqueue.figures import arithmetic, dashboard
from natqueue.keys import SiteKeys
from natqueue.sites import registry, settings, staffing, stations
from natqueue.store.backend import Backend
from natqueue.tickets import joining, moves, views
from tests import stats_support
from tests.conftest import person
from tests.stats_support import FULL, MIN, SHANGHAI, Clock, at, call, join, move, station

clock, qb, site = stats_support.clock, stats_support.qb, stats_support.site  # the fixtures


def test_an_empty_site_is_flowing_with_no_figures(qb, site):
    figs = dashboard.site_stats(qb, "jinyu")
    assert figs["waiting"] == 0
    assert figs["band"] == "flowing"
    assert figs["waits"] == {"longest_s": None, "longest_number": None, "count_today": 0,
                             "avg_s": None, "p90_s": None, "max_s": None}
    assert figs["throughput"] == {"per_hour_15": 0, "per_hour_60": 0, "today": 0, "untubed": 0}
    assert figs["alerts"] == []


def test_longest_current_wait_is_the_first_in_line(qb, site, clock):
    first = join(qb, 1)
    clock.set("09:05")
    join(qb, 2)
    clock.set("09:12", plus_s=30)
    figs = dashboard.site_stats(qb, "jinyu")
    assert figs["waits"]["longest_s"] == 12 * 60 + 30
    assert figs["waits"]["longest_number"] == first["number"]
    call(qb, 1)  # the first leaves the queue: now the second is the longest
    figs = dashboard.site_stats(qb, "jinyu")
    assert figs["waits"]["longest_s"] == 7 * 60 + 30


def test_day_average_p90_and_max_of_waits(qb, site, clock):
    # Ten people wait 0.5, 1.5, ... 9.5 minutes before being called.
    for k in range(10):
        clock.now = at("09:00") + k * MIN
        join(qb, k)
    for k in range(10):
        clock.now = at("09:00") + k * MIN + k * MIN + 30_000
        call(qb, 1)
    figs = dashboard.site_stats(qb, "jinyu")
    waits = figs["waits"]
    assert waits["count_today"] == 10
    assert waits["avg_s"] == 5 * 60
    assert waits["max_s"] == 9 * 60 + 30
    assert waits["p90_s"] == 9 * 60  # 90% waited at most 9 minutes (whole-minute bins)


def test_throughput_windows_and_today(qb, site, clock):
    for k in range(6):
        join(qb, k)
    # Samples at 09:00, 09:10, 09:20, 09:30, 09:40, 09:50 on station 1.
    for k in range(6):
        clock.now = at("09:00") + k * 10 * MIN
        move(qb, call(qb, 1), "sampled")
    clock.set("09:55")
    figs = dashboard.site_stats(qb, "jinyu")
    s1 = station(figs, 1)
    assert s1["per_hour_15"] == 2 * 4  # 09:40 and 09:50 within the last 15 minutes
    assert s1["per_hour_60"] == 6
    assert s1["today"] == 6
    assert figs["throughput"] == {"per_hour_15": 8, "per_hour_60": 6, "today": 6, "untubed": 6}
    clock.set("10:45")
    figs = dashboard.site_stats(qb, "jinyu")
    assert station(figs, 1)["per_hour_15"] == 0
    assert station(figs, 1)["per_hour_60"] == 1  # only 09:50 is within the hour
    assert figs["throughput"]["today"] == 6


def test_today_starts_at_local_midnight(qb, site, clock):
    join(qb, 1)
    join(qb, 2)
    clock.set("23:50")
    move(qb, call(qb, 1), "sampled")
    assert dashboard.site_stats(qb, "jinyu")["throughput"]["today"] == 1
    clock.set("00:10", day=2)
    move(qb, call(qb, 1), "sampled")
    figs = dashboard.site_stats(qb, "jinyu")
    assert figs["throughput"]["today"] == 1
    assert figs["waits"]["count_today"] == 1
    assert figs["throughput"]["per_hour_60"] == 2  # the hour's window crosses midnight
    assert figs["chart"]["labels"][0] == "00:00" and figs["chart"]["per_hour"] == [4]


def test_estimated_wait_for_joining_now_and_bands(qb, site, clock):
    for k in range(60):
        join(qb, k)
    figs = dashboard.site_stats(qb, "jinyu")
    # Two open stations at the default 30 s a person: 15 s per person for the site.
    assert figs["pace_seconds"] == 15
    assert figs["eta_join_s"] == 60 * 15  # 15 min
    assert figs["band"] == "flowing"
    settings.update_site(qb, "jinyu", {"band_busy_min": 10, "band_congested_min": 14})
    assert dashboard.site_stats(qb, "jinyu")["band"] == "congested"
    settings.update_site(qb, "jinyu", {"band_busy_min": 15, "band_congested_min": 20})
    assert dashboard.site_stats(qb, "jinyu")["band"] == "busy"
    stations.set_station_status(qb, "jinyu", 2, "paused", "meal")  # one station: 30 s a person
    figs = dashboard.site_stats(qb, "jinyu")
    assert figs["eta_join_s"] == 30 * 60
    assert figs["band"] == "congested"
    assert station(figs, 2)["reason"] == "meal"


@pytest.mark.parametrize(("minutes", "expected"), [
    (None, "flowing"), (0, "flowing"), (24.9, "flowing"), (25, "busy"), (49.9, "busy"), (50, "congested"),
])
def test_band_thresholds(minutes, expected):
    assert arithmetic.band(minutes) == expected


def test_roster_gaps_history_and_standard(qb, site, clock):
    got = staffing.put_roster(qb, "jinyu", 1, [{"name": "王医生", "role": "medic"},
                                             {"name": "李", "role": "cadre"}], "staff")
    assert got["staffing"]["gaps"] == {"cadre": 1, "worker_entry": 2, "worker_order": 2}
    clock.set("10:00")
    got = staffing.put_roster(qb, "jinyu", 1, [{"name": "王医生", "role": "medic"},
                                             {"name": "赵", "role": "cadre"}], "staff")
    assert [p["name"] for p in got["people"]] == ["王医生", "赵"]
    assert got["people"][0]["since_ms"] == at("09:00")
    history = [(h["name"], h["move"], h["ts"]) for h in got["history"]]
    assert ("李", "out", at("10:00")) in history and ("赵", "in", at("10:00")) in history
    assert ("李", "in", at("09:00")) in history
    settings.update_site(qb, "jinyu", {"standard": {"medic": 1, "cadre": 1, "worker_entry": 0,
                                                     "worker_order": 0}})
    assert staffing.get_roster(qb, "jinyu", 1)["staffing"]["gaps"] == {}


@pytest.mark.parametrize(("hhmm", "day", "name", "start", "end"), [
    ("07:59", 1, "night", ("20:00", 30), ("08:00", 1)),
    ("08:00", 1, "day", ("08:00", 1), ("20:00", 1)),
    ("19:59", 1, "day", ("08:00", 1), ("20:00", 1)),
    ("20:00", 1, "night", ("20:00", 1), ("08:00", 2)),
    ("02:00", 2, "night", ("20:00", 1), ("08:00", 2)),
])
def test_shift_boundaries(hhmm, day, name, start, end):
    def when(hm, d):
        if d == 30:
            return int(datetime(2026, 11, 30, *map(int, hm.split(":")), tzinfo=SHANGHAI).timestamp() * 1000)
        return at(hm, d)

    shift = arithmetic.current_shift(at(hhmm, day), "Asia/Shanghai")
    assert shift == {"name": name, "start_ms": when(*start), "end_ms": when(*end)}


def test_shift_hours_follow_the_site_setting():
    shift = arithmetic.current_shift(at("18:00"), "Asia/Shanghai", day_start="06:00", shift_hours=10)
    assert shift["name"] == "night" and shift["start_ms"] == at("16:00") and shift["end_ms"] == at("06:00", 2)


def _cycle(qb, clock, start_s, walk_s, swab_s, station_n=1):
    """Call at start, check in after walk_s, sample swab_s later (times in s after 09:00)."""
    clock.now = at("09:00") + int(start_s * 1000)
    ticket = call(qb, station_n)
    clock.now += int(walk_s * 1000)
    move(qb, ticket, "check_in")
    clock.now += int(swab_s * 1000)
    move(qb, ticket, "sampled")
    return clock.now


def test_stage_times_and_a_slow_walk_up(qb, site, clock):
    for k in range(8):
        join(qb, k)
    # One after the other: call, 60 s to reach the table and check in, 20 s to swab.
    t = 0
    for _ in range(8):
        end = _cycle(qb, clock, t, 60, 20)
        t = (end - at("09:00")) / 1000
    s1 = station(dashboard.site_stats(qb, "jinyu"), 1)
    assert s1["stages"]["walk_up_s"] == 60
    assert s1["stages"]["swab_s"] == 20
    assert s1["stages"]["cycle_s"] == 80
    assert s1["stages"]["medic_idle"] == 0.75
    assert s1["bottleneck"]["stage"] == "entry"  # without calling ahead, walk and entry are one span


def test_bottleneck_swab_when_the_medic_never_waits(qb, site, clock):
    for k in range(8):
        join(qb, k)
    # Called ahead: each resident is checked in before the previous one is sampled.
    tickets_ = [call(qb, 1) for _ in range(8)]
    for i, ticket in enumerate(tickets_):
        clock.now = at("09:00") + i * 30_000 + 5_000
        move(qb, ticket, "check_in")
    for i, ticket in enumerate(tickets_):
        clock.now = at("09:00") + 40_000 + i * 30_000
        move(qb, ticket, "sampled")
    s1 = station(dashboard.site_stats(qb, "jinyu"), 1)
    assert s1["stages"]["medic_idle"] == 0
    assert s1["stages"]["swab_s"] == pytest.approx(30, abs=1.5)
    assert s1["bottleneck"] == {"stage": "swab", "advice": "add_station", "medic_idle": 0}


def test_bottleneck_choice():
    base = {"cycles": 10, "walk_up_s": 60, "entry_s": 50, "swab_s": 20}
    assert arithmetic.bottleneck({**base, "medic_idle": 0.4})["advice"] == "add_worker_entry"
    assert arithmetic.bottleneck({**base, "entry_s": 10, "medic_idle": 0.4})["advice"] == "add_worker_order"
    assert arithmetic.bottleneck({**base, "medic_idle": 0.1})["advice"] == "add_station"
    assert arithmetic.bottleneck({**base, "cycles": 2, "medic_idle": 0.9})["advice"] == "not_enough_data"


def test_percentile_from_histogram():
    assert arithmetic.percentile_from_histogram({}, 0.9) is None
    assert arithmetic.percentile_from_histogram({0: 9, 40: 1}, 0.9) == MIN
    assert arithmetic.percentile_from_histogram({0: 8, 40: 2}, 0.9) == 41 * MIN


def test_figures_cost_the_same_for_5000_waiting(qb, site, clock, redis_client):
    """The read runs a fixed number of Redis commands: the same for 5 and for 5,000 waiting.
    (Syncing alerts costs one command per alert, whatever the queue's length.)"""
    def commands():
        return sum(int(v.get("calls", 0)) for v in redis_client.info("commandstats").values())

    for k in range(5):
        join(qb, k)
    dashboard.site_stats(qb, "jinyu", sync_alerts=False)  # scripts loaded once
    before = commands()
    dashboard.site_stats(qb, "jinyu", sync_alerts=False)
    small = commands() - before
    pipe = redis_client.pipeline(transaction=False)
    keys = SiteKeys("jinyu")
    for k in range(5, 5000):
        pipe.zadd(keys.waiting, {f"jinyu.x{k}": k})
    pipe.execute()
    before = commands()
    figs = dashboard.site_stats(qb, "jinyu", sync_alerts=False)
    assert figs["waiting"] == 5000
    assert commands() - before == small


def test_days_follow_the_site_time_zone_and_its_daylight_saving(redis_client):
    berlin = ZoneInfo("Europe/Berlin")

    def local(y, mo, d, h, mi):
        return int(datetime(y, mo, d, h, mi, tzinfo=berlin).timestamp() * 1000)

    clock = Clock(local(2026, 3, 28, 23, 0))  # the night before clocks go forward
    qb = Backend(redis_client, clock=clock)
    registry.create_site(qb, "berlin", "Mitte", 1, timezone="Europe/Berlin", require_tube=False)
    joining.join(qb, "berlin", **person(1))
    joining.join(qb, "berlin", **person(2))
    clock.now = local(2026, 3, 28, 23, 50)
    moves.call_next(qb, "berlin", 1)
    assert dashboard.site_stats(qb, "berlin")["waits"]["count_today"] == 1
    clock.now = local(2026, 3, 29, 10, 0)  # summer time now: UTC+2
    figs = dashboard.site_stats(qb, "berlin")
    assert figs["waits"]["count_today"] == 0
    assert figs["day_start_ms"] == local(2026, 3, 29, 0, 0)
    moves.call_next(qb, "berlin", 1)
    figs = dashboard.site_stats(qb, "berlin")
    assert figs["waits"]["count_today"] == 1
    assert figs["chart"]["labels"][-1] == "10:00" and figs["chart"]["avg_wait_min"][-1] is not None


def test_the_last_shift_does_not_staff_this_one(qb, site, clock):
    clock.set("19:00")
    staffing.put_roster(qb, "jinyu", 1, FULL, "staff")
    assert staffing.get_roster(qb, "jinyu", 1)["staffing"]["gaps"] == {}
    clock.set("20:30")  # the night shift began at 20:00
    got = staffing.get_roster(qb, "jinyu", 1)
    assert got["shift"]["name"] == "night"
    assert got["staffing"]["gaps"] == arithmetic.DEFAULT_STANDARD
    assert all(not p["this_shift"] for p in got["people"]) and len(got["people"]) == 7
    assert got["history"] == []  # this shift's moves: none yet
    staffing.put_roster(qb, "jinyu", 1, FULL[:1], "staff")  # the night medic stays on, the rest leave
    got = staffing.get_roster(qb, "jinyu", 1)
    assert got["staffing"]["on_duty"]["medic"] == 0  # checked in last shift: check in again to count
    staffing.put_roster(qb, "jinyu", 1, [], "staff")
    staffing.put_roster(qb, "jinyu", 1, FULL[:1], "staff")
    got = staffing.get_roster(qb, "jinyu", 1)
    assert got["staffing"]["on_duty"]["medic"] == 1
    assert [(h["name"], h["move"]) for h in got["history"]][:2] == [("p0", "in"), ("p0", "out")]
    join(qb, 1)
    assert "understaffed:1" in {a["id"] for a in dashboard.site_stats(qb, "jinyu")["alerts"]}


def test_a_resident_sent_back_to_the_queue_and_called_again_is_one_wait(qb, site, clock):

    stations.set_mode(qb, "jinyu", 2, "single")
    first = join(qb, 1)
    clock.set("09:10")
    assert call(qb, 1)["id"] == first["id"]
    moves.set_flags(qb, first["id"], None, "yellow_code")  # a yellow code, found at the pooled table
    assert views.get_ticket(qb, first["id"])["status"] == "waiting"
    clock.set("09:20")
    assert call(qb, 2)["id"] == first["id"]
    waits = dashboard.site_stats(qb, "jinyu")["waits"]
    assert (waits["count_today"], waits["max_s"]) == (1, 600)



def test_a_sample_made_while_the_figures_are_read_counts_in_the_hour_as_in_the_day(qb, site, clock):
    """The dashboard reads the clock, then the counts: a sample recorded in between is in the
    day's total, and the station's hour must agree, not read 0 beside a throughput of 1."""
    clock.set("10:00", plus_s=1)
    move(qb, (join(qb, 1), call(qb, 1))[1], "sampled")
    clock.set("10:00")  # the dashboard's clock was read just before the sample was written
    figs = dashboard.site_stats(qb, "jinyu")
    assert figs["throughput"]["today"] == 1
    assert station(figs, 1)["per_hour_15"] == 4 and figs["throughput"]["per_hour_60"] == 1
