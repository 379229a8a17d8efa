"""The organizer figures' tests share these: a Shanghai wall clock injected into the
backend (nobody sleeps), one two-station site, and short ways to move its queue."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from natqueue.sites import registry
from natqueue.store.backend import Backend
from natqueue.tickets import joining, moves
from tests.conftest import person

SHANGHAI = ZoneInfo("Asia/Shanghai")
MIN = 60_000


def at(hhmm: str, day: int = 1) -> int:
    """Epoch ms of a wall-clock time in Shanghai on 2026-12-<day>."""
    h, m = (int(x) for x in hhmm.split(":"))
    return int(datetime(2026, 12, day, h, m, tzinfo=SHANGHAI).timestamp() * 1000)


class Clock:
    def __init__(self, now: int):
        self.now = now

    def __call__(self) -> int:
        return self.now

    def set(self, hhmm: str, day: int = 1, plus_s: float = 0) -> None:
        self.now = at(hhmm, day) + int(plus_s * 1000)


@pytest.fixture
def clock():
    return Clock(at("09:00"))


@pytest.fixture
def qb(redis_client, clock):
    return Backend(redis_client, clock=clock)


@pytest.fixture
def site(qb):
    return registry.create_site(qb, "jinyu", "金域华府", 2, require_tube=False)  # the figures, not the tubes


def join(qb, seed: int) -> dict:
    return joining.join(qb, "jinyu", **person(seed))[0]


def call(qb, station: int) -> dict:
    return moves.call_next(qb, "jinyu", station)[0]


def move(qb, ticket: dict, op: str) -> None:
    moves.transition(qb, ticket["id"], op)


def station(figs: dict, n: int) -> dict:
    return next(s for s in figs["stations"] if s["number"] == n)


FULL = [{"name": f"p{i}", "role": role} for i, role in enumerate(
    ["medic", "cadre", "cadre", "worker_entry", "worker_entry", "worker_order", "worker_order"])]
