"""Communities (社区): sites grouped under one household roster, with live coverage by building.

``communities`` (create, member sites, sweep-team code), ``roster_import`` (the roster from CSV
or XLSX), ``coverage`` (who is tested, exempt, at home or untested, kept live), ``sweep`` (knocks,
exemptions, pledges), ``rounds`` (a round at every member site at once), ``callup`` (buildings
called by time slot) and ``closing`` (a round closed only when everyone is accounted for).
Free of Flask, like the rest of the domain.
"""
