"""What every view reads from a request, in one place, so each check answers alike everywhere.

A view checks its input with these, calls the domain, and announces the change. A refused
field raises ``Invalid`` (the blueprint turns it into the error shape of ``errors``); a page
asked for an unknown site answers the 404 page. The field codes (``integer_1_to_50``,
``one_of_pooled_single``...) are part of the API: clients show them next to the field.
"""

import hashlib
import json
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Response, abort, current_app, g, request

from natqueue.figures.public_list import PublicList
from natqueue.sites import registry
from natqueue.store import backend as store
from natqueue.store.backend import QueueError
from natqueue.tickets import ids, lanes
from natqueue.tickets.documents import clean_document
from natqueue.validation import Invalid, clean_name, clean_phone, clean_request_id, collect
from natqueue.web import get_backend

#: Longest free-text reason (a void, a home visit), in characters.
MAX_REASON = 100


# --- the body and its retries ---------------------------------------------------------


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid({"body": "json_object_required"})
    return body


def optional_body() -> dict:
    """For moves whose body is optional: an absent or non-object body reads as empty."""
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def idempotency_key() -> str | None:
    """The request id a client sends so that its retries replay instead of acting twice.
    Its claim is bound to the request's fingerprint (``bind_fingerprint``)."""
    return clean_request_id(request.headers.get("Idempotency-Key"))


_SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))


def request_fingerprint() -> str:
    """A hash of what this request asks for: its method, endpoint, URL values and body (JSON
    compared by value, so a retry that orders its fields differently is the same request; no
    body at all is ``{}``, as the endpoints read it). An upload (a roster's CSV) is named by its
    type and length only: it is read once, by its view, under that view's own size limit."""
    body = request.get_json(silent=True) if request.is_json else None
    if body is not None:
        content = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    elif not request.content_length:
        content = b"{}"
    else:
        content = f"{request.mimetype}:{request.content_length}".encode()
    what = json.dumps([request.method, request.endpoint, sorted((request.view_args or {}).items())],
                      default=str).encode()
    return hashlib.sha256(what + b"\0" + content).hexdigest()[:32]


def bind_fingerprint() -> None:
    """Before every request: the scripts it runs bind their idempotency claims to its
    fingerprint, so a key sent again with another body or to another endpoint is refused
    (422 ``idempotency_key_reused``) instead of replaying someone else's answer. Reads bind
    nothing: they claim no keys."""
    store.serving("" if request.method in _SAFE_METHODS else request_fingerprint())


# --- one family of field checks ----------------------------------------------------------


def integer(value, field: str, low: int, high: int, allowed=None) -> int:
    """A JSON integer (never a boolean) in ``low..high``, and one of ``allowed`` when given."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Invalid({field: f"integer_{low}_to_{high}"})
    if allowed and value not in allowed:
        raise Invalid({field: "one_of_" + "_".join(map(str, allowed))})
    return value


def choice(value, allowed, field: str, empty_ok: bool = True) -> str:
    """One of ``allowed``; an empty value is ``""`` when ``empty_ok`` (a mark being cleared)."""
    if value in (None, "", False) and empty_ok:
        return ""
    if value not in allowed:
        raise Invalid({field: "one_of_" + "_".join(allowed)})
    return value


def boolean(value, field: str) -> bool:
    if not isinstance(value, bool):
        raise Invalid({field: "boolean"})
    return value


def reason(value, field: str = "reason") -> str:
    """Why staff did something (a void, a home visit): short free text, required."""
    return clean_name(value, field, MAX_REASON)


def timezone(value) -> str:
    """An IANA zone name; none given means the deployment's default zone."""
    if value is None:
        return current_app.config["NATQ_TIMEZONE"]
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid({"timezone": "unknown"}) from None
    return str(value)


def _prefixed(prefix: str, check):
    try:
        return check()
    except Invalid as exc:
        raise Invalid({prefix + k: v for k, v in exc.fields.items()}) from None


def person(raw, prefix: str = "", shared_phone=None, phone_required: bool = True) -> lanes.Person:
    """One person as a join, a walk-in or a home visit sends them; field names carry ``prefix``
    (``people.2.``) so that a household's form can point at the right row."""
    if not isinstance(raw, dict):
        raise Invalid({prefix.rstrip("."): "json_object_required"})
    phone_value = raw.get("phone") or shared_phone
    data = collect(
        name=lambda: _prefixed(prefix, lambda: clean_name(raw.get("name"))),
        phone=lambda: "" if not phone_value and not phone_required
        else _prefixed(prefix, lambda: clean_phone(phone_value)),
        doc=lambda: _prefixed(prefix, lambda: clean_document(raw.get("doc_type"), raw.get("id_number"))),
        declared=lambda: _prefixed(prefix, lambda: choice(raw.get("priority"), lanes.PRIORITY_REASONS,
                                                          "priority")),
        single=lambda: "yellow_code" if raw.get("yellow_code") is True else "",
    )
    doc_type, number = data["doc"]
    return lanes.Person(data["name"], data["phone"], doc_type, number, declared=data["declared"],
                        single=data["single"])


def identity(raw: dict) -> tuple[str, str, str]:
    """``(doc_type, id_number, phone)`` of a ticket recovery, checked and cleaned exactly as
    ``person`` cleans a join's, so the pair typed again finds the pair stored."""
    data = collect(
        document=lambda: clean_document(raw.get("doc_type"), raw.get("id_number")),
        phone=lambda: clean_phone(raw.get("phone")),
    )
    return (*data["document"], data["phone"])


# --- sites, links and ticket codes ---------------------------------------------------------


def site_or_404(site_id: str) -> dict:
    """For pages: the site's public picture, or the 404 page."""
    try:
        return registry.get_site(get_backend(), site_id)
    except QueueError:
        abort(404)


def public_url(path: str) -> str:
    """An absolute link for posters and QR codes: the configured public address, else this host."""
    base = current_app.config["NATQ_PUBLIC_URL"] or request.host_url
    return base.rstrip("/") + path


def join_url(site_id: str) -> str:
    return public_url(f"/s/{site_id}")


def shared_public_list() -> PublicList:
    """This process's public list of sites, which every request shares for a few seconds."""
    return current_app.extensions["natqueue_public_list"]


def secret() -> str:
    """The key that signs ticket codes (shared by every app process through Redis)."""
    return current_app.config["SECRET_KEY"]


def with_code(ticket: dict) -> dict:
    """The holder's view of a ticket carries its code, for the QR image."""
    ticket["code"] = ids.ticket_code(secret(), ticket["id"])
    return ticket


def ticket_of_code(code: str) -> str | None:
    return ids.ticket_from_code(secret(), code)


# --- who is acting -------------------------------------------------------------------------


def holder_token() -> str | None:
    """The ticket holder's token, which only the phone that joined has."""
    return request.headers.get("X-Ticket-Token") or None


def actor(default: str = "staff") -> str:
    """``staff`` or ``organizer``, as the sign-in check found (``auth`` sets it)."""
    return getattr(g, "actor", default)


def who() -> str:
    """For the audit log: the role, the name the organizer gives (X-Natq-User, or ``?by=`` on a
    download link) and the address."""
    name = (request.headers.get("X-Natq-User") or request.args.get("by") or "").strip()[:40]
    return " ".join(x for x in (actor("organizer"), name, request.remote_addr or "") if x)


_MIMETYPES = {"csv": "text/csv; charset=utf-8",
              "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def download(data, name: str) -> Response:
    """A file to save (CSV or XLSX, by the name's ending): personal data, so never cached."""
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(data, headers=headers, mimetype=_MIMETYPES[name.rsplit(".", 1)[1]])
