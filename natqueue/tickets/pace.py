"""Estimated waits from measured sampling pace.

The scripts compute ``pace``: seconds per person for the whole site, from
each open station's samples over a sliding window (a default rate for a
station without enough data yet). A wait is then people ahead x pace — the
same sum a phone does locally when a site event brings a new pace, so the
server never has to message each phone to keep its estimate current.
"""


def parse_pace(value) -> float | None:
    """``-1`` (no station open) becomes None: there is no honest estimate."""
    if value is None:
        return None
    pace = float(value)
    return None if pace < 0 else pace


def eta_seconds(ahead: int, pace: float | None) -> int | None:
    if pace is None:
        return None
    return int(round(max(ahead, 0) * pace))
