"""Every Lua script touches one Redis Cluster hash slot, save the few listed apart with why.

The flows are the project's own tests (joining, calling, check-in, sampling, tubes, home visits,
rounds, alerts, communities and their sweeps and call-ups...), run in a pytest of their own with
tests/slot_watch.py loaded: a MONITOR on their Redis records each script call's ``KEYS`` and the
keys its commands actually touched (keys built inside Lua from a site's base count too). Each
key's slot is the CRC16 of its hash tag (``redis.crc.key_slot``), as Redis Cluster computes it.
"""

import hashlib
import json
import os
import subprocess
import sys
from collections import defaultdict

from redis.crc import key_slot

from natqueue import scripts
from tests.processes import ROOT

#: The test modules whose flows are watched: between them they run every script.
FLOWS = ["tests/test_transitions.py", "tests/test_tubes.py", "tests/test_scan.py", "tests/test_second_chances.py",
         "tests/test_review_flow.py", "tests/test_alerts.py", "tests/test_records.py", "tests/test_sites_api.py",
         "tests/test_tickets_api.py", "tests/test_staff_code_limit.py", "tests/test_time_zones.py",
         "tests/test_community_roster.py", "tests/test_community_coverage.py", "tests/test_community_sweep.py",
         "tests/test_community_callup.py", "tests/test_ops.py", "tests/test_public_list.py"]

#: Scripts that touch keys of several slots by design, and why. Under Redis Cluster each would
#: have to change as said (docs/scale.md); every other script keeps to its site's or its
#: community's hash tag, keys built inside Lua from that base included.
CROSS_SLOT = {
    "CREATE_SITE": "adds the site to the district-wide set of sites (nq:sites) in the same script that "
                   "writes the site's keys, so that two sites never take one id: under Cluster the claim "
                   "(SADD) would run first on its own, and be undone if the site's script failed",
    "OPEN_TUBE": "claims the tube code in the district-wide tube registry (nq:tube-sites), so that one lab "
                 "never gets one code from two sites: the claim (HSETNX) would become a call of its own "
                 "before the site's script, released if that script refuses",
    "COMMUNITY_CREATE": "a community spans sites: it checks and marks every member site's meta "
                        "(nq:{site}:meta), the district's site->community map and set of communities "
                        "(nq:site-community, nq:communities) with the community's own keys; under Cluster "
                        "the sites would be marked one script per site, with the community's record as the "
                        "truth and a repair pass for a run cut halfway",
    "COMMUNITY_PATCH": "changes a community's member sites: the same keys as COMMUNITY_CREATE, the same remedy",
}


def _names() -> dict[str, str]:
    """sha1 of each script's source -> its name (EVALSHA names a script by its sha1)."""
    return {hashlib.sha1(scripts.source(name).encode()).hexdigest(): name for name in scripts.REGISTRY}


def _watch(tmp_path) -> list[dict]:
    out = tmp_path / "calls.json"
    env = {**os.environ, "NATQ_SLOT_WATCH": str(out)}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "tests.slot_watch",
                          "-p", "no:cacheprovider", *FLOWS], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return json.loads(out.read_text())


def test_every_script_call_touches_one_slot_except_those_listed_apart(tmp_path):
    names = _names()
    slots_of: dict[str, set[int]] = defaultdict(set)
    wrong: list[str] = []
    calls = _watch(tmp_path)
    for call in calls:
        name = names.get(call["sha"], call["sha"])
        keys = call["keys"] + call["touched"]
        slots = {key_slot(k.encode("latin-1")) for k in keys}
        slots_of[name] |= slots
        if len(slots) > 1 and name not in CROSS_SLOT:
            wrong.append(f"{name}: {sorted(set(keys))}")
    assert not wrong, "scripts that touch several slots:\n" + "\n".join(wrong[:20])
    # Every script ran: a script the flows never reach would go unchecked.
    assert set(scripts.REGISTRY) - set(slots_of) == set()
    # The list apart stays true: a script listed there touches several slots indeed.
    assert {name for name in CROSS_SLOT if len(slots_of[name]) < 2} == set()


def test_the_watch_reads_monitor_lines_and_groups_a_script_with_its_commands():
    from tests.slot_watch import group, parse

    lines = [b'1.0 [0 unix:/r.sock] "EVALSHA" "ab" "1" "nq:{s1}:meta" "x \\"y\\""',
             b'1.0 [0 lua] "HSET" "nq:{s1}:t:\\xe5" "a" "1"',
             b'1.1 [0 unix:/r.sock] "GET" "nq:sites"']
    parsed = [parse(line) for line in lines]
    assert parsed[0] == (False, [b"EVALSHA", b"ab", b"1", b"nq:{s1}:meta", b'x "y"'])
    assert parsed[1] == (True, [b"HSET", b"nq:{s1}:t:\xe5", b"a", b"1"])
    assert group(parsed, lua_after=True) == [(parsed[0][1], [parsed[1][1]])]
    # Redis 7 shows a script's commands before the EVALSHA that ran them.
    assert group([parsed[2], parsed[1], parsed[0]], lua_after=False) == [(parsed[0][1], [parsed[1][1]])]
