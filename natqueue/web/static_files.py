"""Static files named by their content, so that a phone may keep them for a week.

On a weak network a resident's second open should load the page and nothing else: nginx
(``expires 7d``, docs/deploy.md) and Flask, when it serves them itself (``MAX_AGE_S``), tell
browsers to keep /static/ files for a week. natqueue's own scripts keep their names from one
deploy to the next, though, and a phone would then run last week's ``nq.js`` under this
week's page. So every address of a static file carries a hash of its content (``?v=``): a
changed file is a new address, fetched at once, and an unchanged one stays kept. The hash is
worked out again only when a file's modification time or size changes.
"""

import hashlib
import os

from flask import Flask

MAX_AGE_S = 7 * 86400


def content_version(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()[:12]


def init_app(app: Flask) -> None:
    if app.config.get("SEND_FILE_MAX_AGE_DEFAULT") is None:
        app.config["SEND_FILE_MAX_AGE_DEFAULT"] = MAX_AGE_S
    known: dict[str, tuple[int, int, str]] = {}

    @app.url_defaults
    def _versioned(endpoint: str, values: dict) -> None:
        if endpoint != "static" or "v" in values or "filename" not in values:
            return
        name = values["filename"]
        path = os.path.join(app.static_folder, name)
        try:
            stat = os.stat(path)
        except OSError:
            return  # no such file: the address as asked, and its 404
        found = known.get(name)
        if found is None or found[:2] != (stat.st_mtime_ns, stat.st_size):
            found = known[name] = (stat.st_mtime_ns, stat.st_size, content_version(path))
        values["v"] = found[2]
