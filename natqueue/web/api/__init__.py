"""The JSON API under ``/api/v1``: one blueprint per concept, nested in the ``api`` blueprint.

Nesting gives every concept's views the one error shape (``errors.api_blueprint``; an
``abort(404)`` or ``abort(405)`` in a view answers in it through ``errors.init_app``) and the
``/api/v1`` prefix from one place, and names each endpoint by where it lives:
``api.tickets.join`` is ``join`` in ``api/tickets.py``. A new endpoint goes into the module of
its concept; a new concept is a module with a ``bp`` listed below.
"""

from natqueue.web.api import community, organizer, planner, sampling, signin, sites, stations, tickets
from natqueue.web.errors import api_blueprint

bp = api_blueprint("api", __name__)

for _concept in (sites, tickets, stations, sampling, organizer, planner, signin, community):
    bp.register_blueprint(_concept.bp)

