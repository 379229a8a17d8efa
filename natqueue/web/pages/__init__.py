"""The HTML pages, one blueprint per audience; each page gets its data from the JSON API
(``natqueue.web.api``) and the site's events, so a page view only renders the shell.

- ``resident``: the list of sites, a site's join page, the public list with bands.
- ``staff``: the station console and the home team's phone.
- ``organizer``: the dashboard, the sites' administration, rounds and exports.
- ``wall``: what hangs at the site, the calling screen and the printed poster.

A new page goes into the module of its audience, with its template in ``templates/``.
"""

from natqueue.web.pages import organizer, resident, staff, wall

BLUEPRINTS = (resident.bp, staff.bp, organizer.bp, wall.bp)
