"""Signing in and out: station staff with their site's code, a community's sweep teams with
theirs, the organizer with the token.

Browsers keep what they get in HttpOnly cookies (``auth``); scripts send it as a Bearer token.
"""

from flask import Blueprint, jsonify, request
from flask_babel import lazy_gettext as _l

from natqueue.community import communities
from natqueue.sites import registry, staff_code
from natqueue.validation import Invalid, clean_name, clean_site_id, collect, plain_code
from natqueue.web import get_backend
from natqueue.web.auth import (
    ORGANIZER_COOKIE,
    ORGANIZER_COOKIE_MAX_AGE,
    STAFF_COOKIE,
    STAFF_TOKEN_MAX_AGE,
    SWEEP_COOKIE,
    SWEEP_TOKEN_MAX_AGE,
    is_organizer_token,
    issue_organizer_session,
    issue_staff_token,
    issue_sweep_token,
    read_staff_token,
    staff_tokens,
)
from natqueue.web.clients import client_address
from natqueue.web.errors import api_error
from natqueue.web.requests import idempotency_key, json_body

bp = Blueprint("signin", __name__)


def _staff_code(value) -> str:
    """The code as typed on any keyboard (full-width digits included); never hashed unless ASCII."""
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        raise Invalid({"code": "required"})
    code = plain_code(str(value))
    if not code or not code.isascii() or len(code) > 64:
        raise Invalid({"code": "format"})
    return code


@bp.post("/auth/staff")
def staff_sign_in():
    body = json_body()
    data = collect(
        site_id=lambda: clean_site_id(body.get("site_id")),
        code=lambda: _staff_code(body.get("code")),
    )
    version = staff_code.check_staff_code(get_backend(), data["site_id"], data["code"], client_address())
    token = issue_staff_token(data["site_id"], version)
    return _signed_in({"token": token, "site_id": data["site_id"]}, STAFF_COOKIE, token, STAFF_TOKEN_MAX_AGE)


@bp.post("/auth/staff/sign-out")
def staff_sign_out():
    """Revoke the staff token this browser (cookie) or script (Bearer) holds: a copy of it
    stops working too. Other stations stay signed in."""
    for token in staff_tokens():
        read = read_staff_token(token)
        if read is None or not isinstance(read[0].get("site"), str) or not read[0].get("j"):
            continue  # not ours, expired, or made before tokens had ids
        data, signed_at = read
        if registry.site_exists(get_backend(), data["site"]):
            staff_code.revoke_token(get_backend(), data["site"], str(data["j"]),
                                    (signed_at + STAFF_TOKEN_MAX_AGE) * 1000, idempotency_key())
    return _signed_out(STAFF_COOKIE)


@bp.post("/auth/sweep")
def sweep_sign_in():
    """A sweep team's phone: the community's sweep code, and the team's name for its knocks."""
    body = json_body()
    data = collect(
        community=lambda: clean_site_id(body.get("community")) if body.get("community") else _missing("community"),
        code=lambda: _staff_code(body.get("code")),
        team=lambda: "" if not body.get("team") else clean_name(body["team"], "team", 20),
    )
    version = communities.check_sweep_code(get_backend(), data["community"], data["code"], client_address())
    token = issue_sweep_token(data["community"], version, data["team"])
    return _signed_in({"token": token, "community": data["community"], "team": data["team"]},
                      SWEEP_COOKIE, token, SWEEP_TOKEN_MAX_AGE)


@bp.post("/auth/sweep/sign-out")
def sweep_sign_out():
    return _signed_out(SWEEP_COOKIE)


def _missing(field: str):
    raise Invalid({field: "required"})


@bp.post("/auth/organizer")
def organizer_sign_in():
    """Organizer pages in a browser: trade the organizer token for an HttpOnly cookie."""
    token = json_body().get("token")
    if not isinstance(token, str) or not token:
        raise Invalid({"token": "required"})
    if not is_organizer_token(token):
        return api_error(403, "wrong_token", _l("Wrong organizer token."))
    return _signed_in({"ok": True}, ORGANIZER_COOKIE, issue_organizer_session(), ORGANIZER_COOKIE_MAX_AGE,
                      samesite="Strict")


@bp.post("/auth/organizer/sign-out")
def organizer_sign_out():
    return _signed_out(ORGANIZER_COOKIE)


def _signed_in(payload: dict, cookie: str, token: str, max_age: int, samesite: str = "Lax"):
    """The JSON answer, with the token also kept in an HttpOnly cookie for the browser's pages."""
    response = jsonify(payload)
    response.set_cookie(cookie, token, max_age=max_age, httponly=True, samesite=samesite,
                        secure=request.is_secure)
    return response


def _signed_out(cookie: str):
    response = jsonify({"ok": True})
    response.delete_cookie(cookie)
    return response
