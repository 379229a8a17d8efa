"""Checking a Socket.IO payload and refusing it: the answer every handler gives to what the
pages never send (a token that is a list, a ``last_id`` that is an object)."""

from flask_socketio import emit


class BadPayload(Exception):
    """A socket event whose payload is not what the pages send; ``fields`` says what is wrong."""

    def __init__(self, fields: dict):
        super().__init__(fields)
        self.fields = fields


def refuse(code: str, message, fields: dict | None = None) -> dict:
    """Answer a refused event twice: as an ``error`` event (a client may have asked for no
    acknowledgement) and as the acknowledgement ``{"ok": false, "error": ...}``."""
    error = {"code": code, "message": str(message)}
    if fields:
        error["fields"] = fields
    emit("error", error)
    return {"ok": False, "error": error}


def payload(data) -> dict:
    if not isinstance(data, dict):
        raise BadPayload({"payload": "object_required"})
    return data


def text(data: dict, name: str, required: bool = True, limit: int = 200) -> str | None:
    """A string field of a payload: a non-empty string Redis can store, or None when optional."""
    value = data.get(name)
    if value is None and not required:
        return None
    if not is_text(value, limit):
        raise BadPayload({name: "string_required"})
    return value


def is_text(value, limit: int = 200) -> bool:
    if not isinstance(value, str) or not value or len(value) > limit:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True
