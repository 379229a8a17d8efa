"""The Lua scripts as files: every one registered and loadable, key names from keys.py only."""

import re
from pathlib import Path

import pytest

from natqueue import scripts
from natqueue.figures import dashboard
from natqueue.keys import SITE_KEYS
from natqueue.sites import registry, stations
from natqueue.tickets import joining
from tests.conftest import person

FOLDER = Path(scripts.__file__).parent
LUA_FILES = sorted(FOLDER.rglob("*.lua"))
#: Every name of a site's own keys, and each prefix without its colon ('lane:' and 'lane').
SITE_NAMES = {v for k, v in SITE_KEYS.items() if not k.startswith("round_")}
SITE_NAMES |= {v.rstrip(":") for v in SITE_NAMES} | {v.split(":", 1)[1] for v in SITE_NAMES if v.count(":") > 1}
#: The names after ``round:<id>:`` ('counts', 'samples'...): stats fields share some of them.
ROUND_NAMES = {v for k, v in SITE_KEYS.items() if k.startswith("round_")}
_LITERAL = re.compile(r"'([^'\n]*)'|\"([^\"\n]*)\"")


def _code(text: str) -> str:
    """The text without its comments (a header may name keys in words)."""
    return "\n".join(_drop_comment(line) for line in text.splitlines())


def _drop_comment(line: str) -> str:
    """The line up to a ``--`` that is not inside a string."""
    quoted = None
    for i, ch in enumerate(line):
        if quoted:
            quoted = None if ch == quoted else quoted
        elif ch in "'\"":
            quoted = ch
        elif line.startswith("--", i):
            return line[:i]
    return line


def key_literals(text: str) -> list[str]:
    """Quoted strings in Lua code that spell a key's name: one with '-' or ':' anywhere, a site
    key's name joined onto a string (``.. 'x'`` / ``'x' ..``), a round's after ``':' ..``, and
    any of them handed to a ``*_key(`` helper. Field names and statuses ('waiting') pass."""
    code = _code(text)
    found = []
    for m in _LITERAL.finditer(code):
        literal = m.group(1) if m.group(1) is not None else m.group(2)
        if literal not in SITE_NAMES | ROUND_NAMES:
            continue
        before, after = code[: m.start()].rstrip(), code[m.end():].lstrip()
        distinctive = "-" in literal or ":" in literal
        joined = literal in SITE_NAMES and (before.endswith("..") or after.startswith(".."))
        after_round = literal in ROUND_NAMES and re.search(r"':'\s*\.\.$", before) is not None
        in_key_helper = re.search(r"_key\([^()]*$", before) is not None
        if distinctive or joined or after_round or in_key_helper:
            found.append(literal)
    return found


@pytest.mark.parametrize("path", LUA_FILES, ids=lambda p: str(p.relative_to(FOLDER)))
def test_no_lua_file_spells_a_key_name(path):
    assert key_literals(path.read_text(encoding="utf-8")) == []


def test_the_scan_finds_a_spelled_key_name():
    assert key_literals("redis.call('HGET', BASE .. 'open-tubes', owner)") == ["open-tubes"]
    assert key_literals("local k = BASE .. 'meta'  -- 'rounds'") == ["meta"]
    assert key_literals("round_key(round, 'counts')") == ["counts"]
    assert key_literals("BASE .. K.round .. round .. ':' .. 'bound'") == ["bound"]
    assert key_literals("stats_add(key, q .. 'samples', 1)") == []
    assert key_literals("redis.call('HSET', tkey, 'status', 'waiting')") == []


def test_every_script_file_is_registered_and_loads(redis_client):
    on_disk = {p.name for p in FOLDER.glob("*.lua")}
    assert on_disk == set(scripts.REGISTRY.values())
    for name in scripts.REGISTRY:
        assert redis_client.script_load(scripts.source(name))  # Redis compiles it: includes resolve


def test_scripts_carry_only_the_helpers_they_include():
    assert "stats_on_call" in scripts.source("CALL_NEXT")
    for read_only in ("SITE_SNAPSHOT", "TICKET_SNAPSHOT"):
        assert "stats_on_call" not in scripts.source(read_only)
        assert "bind_sample" not in scripts.source(read_only)


def test_a_pause_without_a_reason_shows_no_stale_reason(backend):
    registry.create_site(backend, "jinyu", "金域华府", 2)
    joining.join(backend, "jinyu", **person(1))  # someone waits: a paused station is an alert
    stations.set_station_status(backend, "jinyu", 2, "paused", "meal")
    assert dashboard.site_stats(backend, "jinyu")["stations"][1]["reason"] == "meal"
    stations.set_station_status(backend, "jinyu", 2, "open")
    event = stations.set_station_status(backend, "jinyu", 2, "paused")
    assert "reason" not in event
    figures = dashboard.site_stats(backend, "jinyu")
    assert figures["stations"][1]["status"] == "paused" and figures["stations"][1]["reason"] is None
    assert stations.station_reasons(backend, "jinyu") == {}
