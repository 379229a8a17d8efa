"""Who is asking: the client address that per-address limits count.

``request.remote_addr`` is the address the TCP connection came from. Behind a reverse proxy
that is the proxy, for everyone, so natqueue honours ``X-Forwarded-For`` (and
``X-Forwarded-Proto``/``-Host``, for ``Secure`` cookies and the origin check) only when
``NATQ_TRUSTED_PROXIES`` says how many proxies stand in front of it: without one, anybody can
write those headers, and a guesser would be a new person with each request.

An IPv6 client holds a whole /64 (a phone gets one from its carrier), so one /64 is one
address; otherwise each of its 2^64 addresses would be a fresh limit.
"""

import ipaddress

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    """Trust the ``X-Forwarded-*`` headers of exactly ``NATQ_TRUSTED_PROXIES`` proxies (0: none)."""
    hops = int(app.config.get("NATQ_TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def client_address() -> str:
    """The client's address as limits count it: an IPv4 address, or an IPv6 /64 network."""
    raw = request.remote_addr or ""
    try:
        address = ipaddress.ip_address(raw.split("%", 1)[0])
    except ValueError:
        return "unknown"
    if address.version == 6 and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address) + "/64"
    return str(address)
