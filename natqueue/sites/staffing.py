"""Who staffs each station, shift by shift: the 1+2+4 layout as data.

The current roster of a station is a hash (person -> role and since when);
every check-in and check-out is also appended to the site's roster log, so the
roster is history, not just the present. A PUT replaces the station's list in
one script: people dropped are checked out, people added checked in.
"""

from natqueue.figures import arithmetic
from natqueue.keys import SiteKeys
from natqueue.sites.settings import DEFAULT_TIMEZONE, organizer_settings, read_meta
from natqueue.store.backend import Backend, QueueError, request_key

MAX_PEOPLE = 30
HISTORY_SHOWN = 100
#: Roster moves kept in the site's log (about a month of shifts at a large site).
ROSTER_LOG_MAXLEN = 5000


def put_roster(backend: Backend, site_id: str, station: int, people: list[dict], actor: str,
               request_id: str | None = None) -> dict:
    """``people``: already-validated ``{"name", "role"}`` with distinct names."""
    keys = SiteKeys(site_id)
    read_meta(backend, site_id)  # site_not_found before anything else
    flat = [x for p in people for x in (p["name"], p["role"])]
    backend.run(
        "ROSTER_PUT",
        [keys.roster(station), keys.roster_log, keys.idem(f"roster:{station}", request_key(request_id)),
         keys.stations],
        [station, actor, ROSTER_LOG_MAXLEN, *flat], keys,
    )
    return get_roster(backend, site_id, station)


def on_duty(raw: dict, shift_start_ms: int = 0) -> list[dict]:
    """Who is checked in. Someone checked in before this shift began belongs to the
    last shift: still listed (to be checked out), but not counted against the standard."""
    people = []
    for name, value in raw.items():
        role, _, since = value.partition("|")
        since_ms = int(since or 0)
        people.append({"name": name, "role": role, "since_ms": since_ms, "this_shift": since_ms >= shift_start_ms})
    return sorted(people, key=lambda p: (arithmetic.ROLES.index(p["role"]) if p["role"] in arithmetic.ROLES else 9,
                                         p["since_ms"], p["name"]))


def counts(people: list[dict]) -> dict[str, int]:
    """People per role on this shift."""
    found: dict[str, int] = {}
    for p in people:
        if p.get("this_shift", True):
            found[p["role"]] = found.get(p["role"], 0) + 1
    return found


def get_roster(backend: Backend, site_id: str, station: int) -> dict:
    """The station's people now, against the standard, and this shift's check-ins and -outs."""
    keys = SiteKeys(site_id)
    meta = read_meta(backend, site_id)
    if backend.redis.hget(keys.stations, station) is None:
        raise QueueError("station_not_found", str(station))
    conf = organizer_settings(meta)
    now = backend.now_ms()
    shift = arithmetic.current_shift(now, meta.get("timezone", DEFAULT_TIMEZONE), conf["shift_day_start"],
                                  conf["shift_hours"])
    people = on_duty(backend.redis.hgetall(keys.roster(station)), shift["start_ms"])
    history = []
    for _id, entry in backend.redis.xrevrange(keys.roster_log, count=HISTORY_SHOWN * 4):
        if int(entry.get("station", 0)) != station:
            continue
        ts = int(entry["ts"])
        if ts < shift["start_ms"]:
            break
        history.append({"name": entry["person"], "role": entry["role"], "move": entry["move"], "ts": ts})
        if len(history) >= HISTORY_SHOWN:
            break
    return {
        "site_id": site_id,
        "station": station,
        "people": people,
        "shift": shift,
        "staffing": arithmetic.staffing(conf["standard"], counts(people)),
        "history": history,
    }
