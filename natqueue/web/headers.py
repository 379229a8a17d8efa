"""The security headers every response carries.

- ``Content-Security-Policy``: scripts from natqueue itself only, plus the small inline script
  by which a page hands its data to its script (``NQ.page = {...}``), allowed by a nonce made
  for that response (templates write ``<script nonce="{{ csp_nonce() }}">``). So text that
  slipped past escaping still cannot run, and no other site's script or frame gets in. Styles,
  images, fonts and connections (Socket.IO's WebSocket included) are natqueue's own too;
  ``data:``/``blob:`` images are QR codes and camera frames.
- ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``: no other page can frame a console
  and trick a click on "Call next".
- ``X-Content-Type-Options: nosniff``: a JSON answer or an upload is never run as a script.
- ``Referrer-Policy: same-origin``: a link away from a resident's page leaks no ticket URL.
- ``Permissions-Policy``: the camera for natqueue's own pages (the station's scanner), nothing else.
"""

import secrets

from flask import Flask, g, request


def csp_nonce() -> str:
    """The nonce of this response's inline scripts (made once per response, when first asked)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _policy() -> str:
    nonce = g.get("csp_nonce")
    scripts = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    host = request.host
    return "; ".join((
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob: mediastream:",
        f"connect-src 'self' ws://{host} wss://{host}",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


def add_security_headers(response):
    headers = response.headers
    headers["Content-Security-Policy"] = _policy()
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=(), payment=()"
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
