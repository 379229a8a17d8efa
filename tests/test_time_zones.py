"""A site's figures count in its own zone, across a daylight-saving switch, with nobody reading
the dashboard in between: the scripts that count find the offset for their own clock."""

from datetime import datetime
from zoneinfo import ZoneInfo

from natqueue.figures import arithmetic, dashboard
from natqueue.keys import SiteKeys
from natqueue.sites import registry, settings
from natqueue.store.backend import Backend
from natqueue.tickets import joining, moves
from natqueue.web import close_app, create_app
from tests.conftest import ADMIN_TOKEN, person
from tests.stats_support import Clock

BERLIN, URUMQI = ZoneInfo("Europe/Berlin"), ZoneInfo("Asia/Urumqi")


def local(zone: ZoneInfo, y: int, mo: int, d: int, h: int, mi: int = 0) -> int:
    return int(datetime(y, mo, d, h, mi, tzinfo=zone).timestamp() * 1000)


def _serve_one(qb: Backend, site_id: str, seed: int) -> None:
    """A resident joins, is called, checked in and sampled at the clock's moment."""
    ticket = joining.join(qb, site_id, **person(seed))[0]
    moves.call_next(qb, site_id, 1)
    moves.transition(qb, ticket["id"], "check_in")
    moves.transition(qb, ticket["id"], "sampled")


def _hour(figs: dict, hhmm: str) -> tuple[int, float | None]:
    """(samples per hour, average wait) charted at the quarter hour ``hhmm``."""
    q = figs["chart"]["labels"].index(hhmm)
    return figs["chart"]["per_hour"][q], figs["chart"]["avg_wait_min"][q]


def _berlin_with_one_call(redis_client, when, hhmm: str):
    """A site in Berlin whose first call, at ``when``, is charted at its local ``hhmm``."""
    clock = Clock(when)
    qb = Backend(redis_client, clock=clock)
    registry.create_site(qb, "berlin", "Mitte", 1, timezone="Europe/Berlin", require_tube=False)
    _serve_one(qb, "berlin", 1)
    assert _hour(dashboard.site_stats(qb, "berlin"), hhmm) == (4, 0.0)
    return clock, qb


def test_berlin_a_call_in_summer_time_is_charted_at_its_local_hour(redis_client):
    clock, qb = _berlin_with_one_call(redis_client, local(BERLIN, 2026, 3, 28, 9), "09:00")  # winter: UTC+1
    clock.now = local(BERLIN, 2026, 3, 29, 10)  # clocks went forward at 02:00: UTC+2
    _serve_one(qb, "berlin", 2)  # no dashboard read since the switch
    clock.now = local(BERLIN, 2026, 3, 29, 10, 20)
    figs = dashboard.site_stats(qb, "berlin")
    assert figs["throughput"]["today"] == 1
    assert _hour(figs, "10:00") == (4, 0.0)
    assert _hour(figs, "09:00") == (0, None)


def test_berlin_a_call_after_the_autumn_switch_is_charted_at_its_local_hour(redis_client):
    clock, qb = _berlin_with_one_call(redis_client, local(BERLIN, 2026, 10, 24, 10), "10:00")  # summer: UTC+2
    clock.now = local(BERLIN, 2026, 10, 25, 10)  # clocks went back at 03:00: UTC+1
    _serve_one(qb, "berlin", 2)
    clock.now = local(BERLIN, 2026, 10, 25, 11, 5)
    figs = dashboard.site_stats(qb, "berlin")
    assert figs["day_start_ms"] == local(BERLIN, 2026, 10, 25, 0)
    assert _hour(figs, "10:00") == (4, 0.0) and _hour(figs, "11:00") == (0, None)
    assert figs["throughput"]["today"] == 1


def test_urumqi_counts_in_its_own_time_on_both_sides_of_berlins_switch(redis_client):
    """Urumqi keeps UTC+6 all year: two hours behind the default zone, never moved by a switch."""
    clock = Clock(local(URUMQI, 2026, 3, 28, 10))
    qb = Backend(redis_client, clock=clock)
    registry.create_site(qb, "urumqi", "天山区", 1, timezone="Asia/Urumqi", require_tube=False)
    _serve_one(qb, "urumqi", 1)
    clock.now = local(URUMQI, 2026, 3, 29, 10)
    _serve_one(qb, "urumqi", 2)
    clock.now = local(URUMQI, 2026, 3, 29, 10, 30)
    figs = dashboard.site_stats(qb, "urumqi")
    assert figs["day_start_ms"] == local(URUMQI, 2026, 3, 29, 0)
    assert figs["throughput"]["today"] == 1
    assert _hour(figs, "10:00") == (4, 0.0) and _hour(figs, "08:00") == (0, None)


def test_a_site_moved_to_another_zone_counts_in_it_at_once(redis_client):
    clock = Clock(local(URUMQI, 2026, 7, 1, 10))
    qb = Backend(redis_client, clock=clock)
    registry.create_site(qb, "moved", "搬家", 1, require_tube=False)  # the default zone, Asia/Shanghai: 12:00 there
    settings.update_site(qb, "moved", {"timezone": "Asia/Urumqi"})
    _serve_one(qb, "moved", 1)
    clock.now += 60_000
    assert _hour(dashboard.site_stats(qb, "moved"), "10:00") == (4, 0.0)


def test_the_app_start_brings_every_sites_zone_up_to_date(redis_server, redis_client, tmp_path):
    """A site stored before its zone's offsets were kept (only a single offset, taken in winter)
    counts in summer time once an app has started, before anyone reads its figures."""
    clock = Clock(local(BERLIN, 2026, 6, 1, 10))
    qb = Backend(redis_client, clock=clock)
    registry.create_site(qb, "berlin", "Mitte", 1, timezone="Europe/Berlin", require_tube=False)
    meta = SiteKeys("berlin").meta
    stored = [f for f in redis_client.hkeys(meta) if f.startswith("tz_")]
    redis_client.hdel(meta, *stored)
    redis_client.hset(meta, "tz_offset_ms", 3_600_000)
    app = create_app({"TESTING": True, "REDIS_URL": redis_server.url, "NATQ_MESSAGE_QUEUE": "off",
                      "NATQ_ADMIN_TOKEN": ADMIN_TOKEN, "NATQ_DATA_DIR": str(tmp_path), "NATQ_CLOCK": clock})
    close_app(app)
    _serve_one(qb, "berlin", 1)
    clock.now += 60_000
    assert _hour(dashboard.site_stats(qb, "berlin"), "10:00") == (4, 0.0)


def test_zone_offsets_name_each_switch_to_the_millisecond():
    now = local(BERLIN, 2026, 6, 1, 12)
    pairs = [tuple(map(int, p.split(":"))) for p in arithmetic.zone_offsets("Europe/Berlin", now).split(",")]
    assert pairs[0][0] <= now - 365 * arithmetic.DAY_MS
    switches = dict(pairs[1:])
    assert switches[local(BERLIN, 2026, 3, 29, 3)] == 7_200_000  # 02:00 winter time is 03:00 summer time
    assert switches[int(datetime(2026, 10, 25, 1, 0, tzinfo=ZoneInfo("UTC")).timestamp() * 1000)] == 3_600_000
    assert len(pairs) == 1 + 2 * 6  # a year back, five ahead: two switches a year
    assert arithmetic.zone_offsets("Asia/Urumqi", now).count(",") == 0
