"""The JSON API under ``/api/v1``: one blueprint per concept, nested in the ``api`` blueprint.

Nesting gives every concept's views the one error shape (``errors.api_blueprint``) and the
``/api/v1`` prefix from one place, and names each endpoint by where it lives:
``api.tickets.join`` is ``join`` in ``api/tickets.py``. A new endpoint goes into the module of
its concept; a new concept is a module with a ``bp`` listed below.
"""

from flask_babel import lazy_gettext as _l

from natqueue.web.api import community, organizer, planner, sampling, signin, sites, stations, tickets
from natqueue.web.errors import api_blueprint, api_error

bp = api_blueprint("api", __name__)

for _concept in (sites, tickets, stations, sampling, organizer, planner, signin, community):
    bp.register_blueprint(_concept.bp)


@bp.errorhandler(404)
def _not_found(_exc):
    return api_error(404, "not_found", _l("Not found."))


@bp.errorhandler(405)
def _method(_exc):
    return api_error(405, "method_not_allowed", _l("Method not allowed."))
