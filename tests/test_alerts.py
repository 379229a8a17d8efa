"""Alerts on the dashboard: long and projected waits, paused and short-staffed stations,
kept until acknowledged, raised again as a wait grows (time injected, never slept)."""

from natqueue.figures import alerts, dashboard
from natqueue.sites import settings, staffing, stations
from tests import stats_support
from tests.stats_support import FULL, at, call, join, station

clock, qb, site = stats_support.clock, stats_support.qb, stats_support.site  # the fixtures


def test_alerts_for_long_and_projected_waits_stay_until_acknowledged(qb, site, clock):
    staffing.put_roster(qb, "jinyu", 1, FULL, "staff")
    staffing.put_roster(qb, "jinyu", 2, FULL, "staff")
    for k in range(130):
        join(qb, k)
    figs = dashboard.site_stats(qb, "jinyu")
    assert [a["id"] for a in figs["alerts"]] == ["projected"]  # 130 x 15 s = 32.5 min
    clock.set("09:31")
    figs = dashboard.site_stats(qb, "jinyu")
    kinds = {a["id"]: a for a in figs["alerts"]}
    assert set(kinds) == {"projected", "long_wait"}
    assert kinds["long_wait"]["detail"]["minutes"] == 31
    assert kinds["long_wait"]["raised_ms"] == at("09:31")
    for _ in range(130):  # the queue drains: the conditions clear, the alerts stay
        call(qb, 1)
    figs = dashboard.site_stats(qb, "jinyu")
    kinds = {a["id"]: a for a in figs["alerts"]}
    assert set(kinds) == {"projected", "long_wait"}
    assert not kinds["long_wait"]["active"] and kinds["long_wait"]["cleared_ms"] == at("09:31")
    assert alerts.acknowledge(qb, "jinyu", "long_wait", "organizer")
    assert [a["id"] for a in dashboard.site_stats(qb, "jinyu")["alerts"]] == ["projected"]
    assert not alerts.acknowledge(qb, "jinyu", "long_wait", "organizer")


def test_an_acknowledged_wait_alert_is_raised_again_when_the_wait_grows_another_step(qb, site, clock):
    staffing.put_roster(qb, "jinyu", 1, FULL, "staff")
    staffing.put_roster(qb, "jinyu", 2, FULL, "staff")
    for k in range(130):
        join(qb, k)
    assert [a["id"] for a in dashboard.site_stats(qb, "jinyu")["alerts"]] == ["projected"]  # 32.5 min
    assert alerts.acknowledge(qb, "jinyu", "projected", "organizer")
    for k in range(130, 140):  # 35 min: the same step, still acknowledged
        join(qb, k)
    projected = dashboard.site_stats(qb, "jinyu")["alerts"][0]
    assert projected["acked_ms"] == at("09:00") and projected["detail"]["minutes"] == 35
    clock.set("09:05")
    for k in range(140, 190):  # 47.5 min: a step worse, raised again
        join(qb, k)
    projected = dashboard.site_stats(qb, "jinyu")["alerts"][0]
    assert "acked_ms" not in projected and projected["raised_ms"] == at("09:05")
    assert projected["detail"]["minutes"] == 47


def test_paused_and_understaffed_stations_raise_alerts_while_people_wait(qb, site, clock):
    staffing.put_roster(qb, "jinyu", 1, FULL, "staff")
    staffing.put_roster(qb, "jinyu", 2, FULL[:3], "staff")
    assert dashboard.site_stats(qb, "jinyu")["alerts"] == []  # nobody waits: nothing to alert
    join(qb, 1)
    stations.set_station_status(qb, "jinyu", 1, "paused", "disinfection")
    figs = dashboard.site_stats(qb, "jinyu")
    shown = {a["id"]: a for a in figs["alerts"]}
    assert set(shown) == {"paused:1", "understaffed:2"}
    assert shown["paused:1"]["detail"]["reason"] == "disinfection"
    assert shown["understaffed:2"]["detail"]["gaps"] == {"worker_entry": 2, "worker_order": 2}
    assert station(figs, 2)["staffing"]["understaffed"]
    assert not station(figs, 1)["staffing"]["understaffed"]


def test_a_long_wait_nobody_watched_is_still_alerted(qb, site, clock):
    """Nobody had the dashboard open while A001 waited 45 minutes: the alert is there
    when an organizer looks later (cleared, since nobody waits now), until acknowledged."""
    first = join(qb, 1)
    clock.set("09:45")
    call(qb, 1)  # no figures were read in between
    clock.set("10:30")
    shown = {a["id"]: a for a in dashboard.site_stats(qb, "jinyu")["alerts"]}
    assert set(shown) == {"long_wait"}
    assert shown["long_wait"]["detail"] == {"minutes": 45, "seconds": 2700, "number": first["number"]}
    assert not shown["long_wait"]["active"] and shown["long_wait"]["raised_ms"] == at("09:30")
    assert alerts.acknowledge(qb, "jinyu", "long_wait", "organizer")
    assert dashboard.site_stats(qb, "jinyu")["alerts"] == []


def test_a_wait_within_the_target_raises_nothing(qb, site, clock):
    settings.update_site(qb, "jinyu", {"wait_target_min": 50})
    join(qb, 1)
    clock.set("09:45")
    call(qb, 1)
    assert dashboard.site_stats(qb, "jinyu")["alerts"] == []
