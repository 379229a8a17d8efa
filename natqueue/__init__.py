"""natqueue: live queues for nucleic-acid sampling sites.

The package root holds the domain (sites, tickets, pace, the site feed), which
knows Redis but not Flask; ``natqueue.web`` holds the Flask application.
"""

__version__ = "0.1.0"
