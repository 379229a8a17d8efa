"""How a duration reads, on every page: one rule, here for the server's pages and in
static/js/nq.js (NQ.duration) for the pages' scripts, so the same wait never reads 1.2 min
on the dashboard and 2 min on the list of sites.

The rule: nothing known → "—"; under a minute → "less than 1 min" (or whole seconds, for
the stage times of one person at a station); otherwise whole minutes, rounded up, so a
wait is never shown shorter than it is.
"""

import math

from flask_babel import gettext

NONE = "—"


def duration(seconds: float | None, short: bool = False) -> str:
    if seconds is None:
        return NONE
    if seconds < 60:
        # Half up, as JavaScript's Math.round (Python's round() would give 22 for 22.5).
        return gettext("%(n)s s", n=math.floor(seconds + 0.5)) if short else gettext("less than 1 min")
    return gettext("%(n)s min", n=math.ceil(seconds / 60))
