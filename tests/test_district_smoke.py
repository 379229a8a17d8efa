"""A small district morning on a real cluster (scripts/cluster.py, two app processes, one Redis):
the replay of bench/district.py, small. Everyone who joins is called exactly once, and every phone
watching its ticket hears its call, whichever process it is connected to and whichever process
the call went through. No process of the cluster outlives the test."""

import asyncio
import os
import sys
from concurrent.futures import ThreadPoolExecutor

from tests.conftest import UNLIMITED_JOINS_ENV
from tests.processes import ROOT, alive

sys.path.insert(0, os.path.join(ROOT, "bench"))

import district_load  # noqa: E402 (bench/ on the path first)
import district_report  # noqa: E402
from common import Cluster  # noqa: E402

SITES, STATIONS, RESIDENTS, PHONES = 3, 2, 300, 40


def _run(coro):
    """``asyncio.run`` in a thread of its own: a browser test before may leave a loop running here."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def test_a_small_morning_calls_everyone_once_and_every_phone_hears_its_call():
    with Cluster(2, env=UNLIMITED_JOINS_ENV) as cluster:
        pids = [p for f in cluster.workers() for p in f] + [cluster.info["redis_pid"], cluster.process.pid]
        token = cluster.info["token"]
        sites = _run(district_load.setup_sites(cluster.urls[0], token, SITES, STATIONS, cluster.urls))
        # A 2-hour morning in 4 s: a swab takes 15 ms; an idle console presses call every 0.1 s.
        config = district_load.make_config(sites, token, residents=RESIDENTS, stations=STATIONS, phones=PHONES,
                                           compress=1800, idle_s=0.1, timeout_min=1,
                                           urls=cluster.urls)
        result = _run(district_load.replay(config))
    assert district_report.checks([result]) == []
    assert result["joined"] == result["called_once"] == RESIDENTS
    assert result["samples"] == RESIDENTS
    assert result["phones_watching"] == PHONES
    assert result["heard_live"] + result["heard_snapshot"] == PHONES
    assert {s["url"] for s in sites} == set(cluster.info["urls"])  # consoles on both processes
    assert [pid for pid in pids if alive(pid)] == []
