"""Which lane a person waits in: priority or regular, pooled or single-tube.

The calling order between lanes is decided in Lua (the lanes include); here only each
person's lane at the moment they join.
"""

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from natqueue.keys import SiteKeys
from natqueue.sites.settings import DEFAULT_TIMEZONE, today
from natqueue.store.backend import Backend
from natqueue.tickets.documents import age_on

#: Reasons for the priority lane; 'elderly' is also computed from the birth date.
PRIORITY_REASONS = ("elderly", "disabled", "pregnant", "child")


#: Reasons a resident must be tested alone.
SINGLE_REASONS = ("yellow_code", "organizer")


ELDERLY_AGE = 70


@dataclass
class Person:
    name: str
    phone: str
    doc_type: str
    id_number: str
    declared: str = ""  # priority the resident declared, for staff to confirm
    single: str = ""  # a single-tube reason, when set by staff or declared (yellow code)
    priority: str = ""  # priority set by staff (a walk-in)


def lane_for(person: Person, on_date) -> tuple[str, str]:
    """(lane, priority reason). 70 and over by the document's birth date is priority by itself;
    a declared reason waits for staff to confirm it."""
    priority = person.priority
    if not priority:
        age = age_on(person.doc_type, person.id_number, on_date)
        if age is not None and age >= ELDERLY_AGE:
            priority = "elderly"
    lane = ("s" if person.single else "") + ("p" if priority else "r")
    return lane, priority


def lanes_of(backend: Backend, keys: SiteKeys, people: list[Person]) -> list[tuple[str, str]]:
    """Each person's lane. The site's date decides only for someone whose 70th birthday is within
    a day of today (any time zone's date is within a day of UTC's), so a join reads the site's
    time zone and the shared clock only then: two round trips fewer for nearly every join."""
    now_s = backend.clock() / 1000 if backend.clock is not None else time.time()
    utc_date = datetime.fromtimestamp(now_s, UTC).date()
    site_date = None
    lanes = []
    for p in people:
        before, after = lane_for(p, utc_date - timedelta(days=1)), lane_for(p, utc_date + timedelta(days=1))
        if before != after:
            if site_date is None:
                site_date = today(backend, backend.redis.hget(keys.meta, "timezone") or DEFAULT_TIMEZONE)
            before = lane_for(p, site_date)
        lanes.append(before)
    return lanes
