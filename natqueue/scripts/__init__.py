"""The Redis scripts behind every state change, one ``.lua`` file each, and their loader.

Each change runs as one script: atomic across any number of app processes and
one round trip. Every state-changing script first claims an idempotency key
(``SET NX`` or a ``GET`` of the request id inside the script), so a request
retried by a phone, a station or redis-py's own retries replays its first
result instead of acting twice. Scripts answer with a small table whose first
element says what happened: ``{'ok', ...}``, ``{'replay', ...}`` or
``{'err', code, detail}`` (``Backend.run`` raises ``QueueError`` for the last).

A script file opens with a comment of its KEYS, ARGV and answer, then names the
shared helpers it uses, one ``--- @include "lanes"`` line each; helpers live in
``includes/`` by concept and may include others. ``source`` puts together, in
this order: the table ``K`` of key names (``natqueue.keys.SITE_KEYS``), the
table ``D`` of setting defaults (``natqueue.sites.settings.script_defaults``), the
prelude (the ARGV tail, the clock, events, the site's base key), each include
once (what it includes first), then the script. So a read-only snapshot carries
no figures helpers, no script spells a key's name, and no default is written twice.
"""

import re
from functools import cache
from importlib.resources import files

from natqueue.keys import SITE_KEYS

#: Every script, by the name ``Backend.run`` is given, and its file in this folder.
REGISTRY = {
    # Sites and stations
    "CREATE_SITE": "create_site.lua",
    "UPDATE_SITE": "update_site.lua",
    "SET_STATION": "set_station.lua",
    "SITE_SNAPSHOT": "site_snapshot.lua",
    "PUBLIC_LIST_CLAIM": "public_list_claim.lua",
    "PUBLIC_LIST_PUT": "public_list_put.lua",
    "REFRESH_ZONE": "refresh_zone.lua",
    "SIGN_IN_CODE": "sign_in_code.lua",
    "REVOKE_TOKEN": "revoke_token.lua",
    # Tickets: joining, being called, every move after that
    "JOIN": "join.lua",
    "CALL_NEXT": "call_next.lua",
    "TRANSITION": "transition.lua",
    "RETURN_NO_SHOW": "return_no_show.lua",
    "TICKET_SNAPSHOT": "ticket_snapshot.lua",
    "RECOVER_TICKET": "recover_ticket.lua",
    "UPCOMING": "upcoming.lua",
    "SET_FLAGS": "set_flags.lua",
    "SET_MODE": "set_mode.lua",
    # Sampling: tubes, home visits, rounds
    "OPEN_TUBE": "open_tube.lua",
    "CLOSE_TUBE": "close_tube.lua",
    "MOVE_SAMPLE": "move_sample.lua",
    "VOID_SAMPLE": "void_sample.lua",
    "HOME_ADD": "home_add.lua",
    "HOME_DONE": "home_done.lua",
    "NEW_ROUND": "new_round.lua",
    "PURGE_ROUND": "purge_round.lua",
    # The organizer's side: rosters, alerts
    "ROSTER_PUT": "roster_put.lua",
    "ALERTS_SYNC": "alerts_sync.lua",
    "ALERT_ACK": "alert_ack.lua",
    # The operator's scrape (figures/metrics.py): read only, many sites to one pipeline
    "SITE_METRICS": "site_metrics.lua",
    # Communities: roster, live coverage, sweep teams, rounds, call-up (natqueue/community);
    # run with a community's keys, whose base the prelude's BASE becomes
    "COMMUNITY_CREATE": "community_create.lua",
    "COMMUNITY_PATCH": "community_patch.lua",
    "COMMUNITY_ROUND": "community_round.lua",
    "COMMUNITY_CLOSE": "community_close.lua",
    "COVERAGE_APPLY": "coverage_apply.lua",
    "ROSTER_IMPORT": "roster_import.lua",
    "SWEEP_VISIT": "sweep_visit.lua",
    "SWEEP_EXEMPT": "sweep_exempt.lua",
    "SWEEP_PLEDGE": "sweep_pledge.lua",
    "CALLUP_PUT": "callup_put.lua",
}

_INCLUDE = re.compile(r'^--- @include "([a-z_]+)"[ \t]*$', re.MULTILINE)
_HERE = files(__package__)


def _read(*parts: str) -> str:
    path = _HERE.joinpath(*parts)
    if not path.is_file():
        raise KeyError("/".join(parts))
    return path.read_text(encoding="utf-8")


def _name_table(table: str, names: dict[str, str]) -> str:
    """``local <table> = {meta = 'meta', ...}``: key names in Lua, each checked to need no quoting."""
    for name, value in names.items():
        assert re.fullmatch(r"[a-z_]+", name) and re.fullmatch(r"[a-z:-]+", value), name
    return f"local {table} = {{" + ", ".join(f"{name} = '{value}'" for name, value in names.items()) + "}\n"


def key_table() -> str:
    """``local K = {meta = 'meta', ...}``: the Lua spelling of ``SITE_KEYS``."""
    return _name_table("K", SITE_KEYS)


def community_key_table() -> str:
    """``local C = {meta = 'meta', ...}``: a community's key names, for the scripts that include
    ``community`` (``natqueue.community.keys.COMMUNITY_KEYS``)."""
    from natqueue.community.keys import COMMUNITY_KEYS

    return _name_table("C", COMMUNITY_KEYS)


def defaults_table() -> str:
    """``local D = {tube_capacity = 10, ...}``: the settings' defaults, as the settings define them."""
    # Imported here, not at the top: the settings module runs scripts through the backend,
    # which loads this module first.
    from natqueue.sites.settings import script_defaults

    found = script_defaults()
    for name, value in found.items():
        assert re.fullmatch(r"[a-z_]+", name) and re.fullmatch(r"[0-9:,-]+", str(value)), name
    return "local D = {" + ", ".join(
        f"{name} = {value}" if isinstance(value, int) else f"{name} = '{value}'" for name, value in found.items()
    ) + "}\n"


def includes(text: str) -> list[str]:
    """The includes ``text`` names, each after the ones it includes itself, each once."""
    found: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in found:
            return
        if name in path:
            raise ValueError(f"includes go round: {' -> '.join((*path, name))}")
        for inner in _INCLUDE.findall(_read("includes", f"{name}.lua")):
            visit(inner, (*path, name))
        found.append(name)

    for name in _INCLUDE.findall(text):
        visit(name, ())
    return found


@cache
def source(name: str) -> str:
    """The whole text Redis runs for the script ``name`` (a ``REGISTRY`` name)."""
    body = _read(REGISTRY[name])
    needed = includes(body)
    parts = [key_table(), defaults_table(), *([community_key_table()] if "community" in needed else []),
             _read("includes", "prelude.lua")]
    parts += [_read("includes", f"{inc}.lua") for inc in needed]
    parts.append(body)
    return "\n".join(parts)
