"""Fixtures for the browser tests: the real app, a real Chromium, real phones.

The app runs as ``python app.py`` in a subprocess, exactly as on a site: its
own gevent server, WebSockets and embedded Redis (REDIS_URL unset). A phone
page talks to that server over a real socket, so what these tests see is what
a resident sees. Nothing may outlive the session: the server is stopped with
SIGTERM (SIGKILL if it will not go), and the embedded ``redis-server`` it
started is checked gone by its pid.
"""

import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from natqueue.store.embedded import EmbeddedRedis
from tests.conftest import UNLIMITED_JOINS_ENV, make_id_number, person

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ADMIN_TOKEN = "browser-organizer-token"
SCREENSHOT_DIR = ROOT / "docs" / "screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "zh-CN"}
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 10


def _unavailable(reason: str):
    """No browser here: skip with the reason, except in CI, where a skipped browser test hides a gap."""
    print(f"browser tests not run: {reason}")
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: browser tests must run)", pytrace=False)
    pytest.skip(reason)


# --- the app, as a real process ------------------------------------------------


def _die_with_parent():  # in the child, between fork and exec
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_pids(markers: tuple[str, ...]) -> list[int]:
    """Live ``redis-server`` processes whose command line names this data dir or its socket."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmdline = fh.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "redis-server" in cmdline and any(m in cmdline for m in markers):
            found.append(int(entry))
    return found


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Api:
    """The JSON API over real HTTP (urllib: no extra dependency)."""

    def __init__(self, base: str):
        self.base = base

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, dict]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=10) as res:
                return res.status, json.loads(res.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def ok(self, method: str, path: str, body=None, headers=None, status: int = 200) -> dict:
        got, answer = self.request(method, path, body, headers)
        assert got == status, (method, path, got, answer)
        return answer


@dataclass
class LiveServer:
    url: str
    data_dir: Path
    process: subprocess.Popen
    redis_pids: list[int]
    api: Api


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("natq-live")
    markers = (str(data_dir), EmbeddedRedis(str(data_dir)).socket_path)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items()
           if k not in ("REDIS_URL", "NATQ_MESSAGE_QUEUE", "NATQ_PUBLIC_URL", "HOST", "PORT")}
    env.update(NATQ_DATA_DIR=str(data_dir), NATQ_ADMIN_TOKEN=ADMIN_TOKEN, PYTHONUNBUFFERED="1",
               **UNLIMITED_JOINS_ENV)  # one browser on loopback stands for a crowd of phones
    log_path = data_dir / "app.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(port)],
                                cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
    try:
        api = Api(url)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"app.py exited with {proc.returncode}:\n{log_path.read_text()}", pytrace=False)
            try:
                if api.request("GET", "/api/v1/sites")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"app.py did not answer in {START_TIMEOUT_S}s:\n{log_path.read_text()}",
                            pytrace=False)
            time.sleep(0.1)
        redis_pids = _redis_pids(markers)
        assert redis_pids, "app.py did not start its embedded redis-server (REDIS_URL unset)"
        yield LiveServer(url, data_dir, proc, redis_pids, api)
    finally:
        _stop(proc)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        left = _redis_pids(markers)
        while left and time.monotonic() < deadline:
            time.sleep(0.05)
            left = _redis_pids(markers)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert proc.returncode is not None
        assert not left, f"redis-server {left} outlived app.py; log:\n{log_path.read_text()}"


@pytest.fixture(scope="session")
def api(live_server) -> Api:
    return live_server.api


@pytest.fixture
def make_site(api):
    """A fresh site per test (no test sees another's queue); returns the 201 body with staff_code.

    It samples without tubes unless the test opens one or asks ``require_tube=True`` (a new
    site's default): most of these tests are about the queue, not the tubes."""

    def _make(stations: int = 2, **extra) -> dict:
        site_id = f"b-{uuid.uuid4().hex[:10]}"
        return api.ok("POST", "/api/v1/sites", {"id": site_id, "name": "金域华府", "address": "八里岔社区",
                                                "stations": stations, "require_tube": False, **extra},
                      headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, status=201)

    return _make


def sign_in_console(page, site: dict) -> None:
    """As staff do it at a station: type the code into the focused field and press Enter."""
    page.keyboard.type(site["staff_code"])
    page.keyboard.press("Enter")


def fill_join_form(page, resident: dict) -> None:
    """The resident page's join form: name, phone and ID number, as a resident types them."""
    for field in ("name", "phone", "id_number"):
        page.fill(f"#join-form [name={field}]", resident[field])


def open_console(open_page, site: dict, station: int = 1, lang: str | None = None):
    """A station console, signed in (``lang="en"``: in English, whatever the translations say)."""
    page = open_page("laptop", f"/station/{site['id']}/{station}" + (f"?lang={lang}" if lang else ""))
    sign_in_console(page, site)
    return page


def serving_tube(seed: int) -> str:
    """The tube ``console_serving_one`` opens for ``seed``: one per seed, as a tube code is used once."""
    return f"30000000{seed:02d}"


def console_serving_one(open_page, api: Api, site: dict, seed: int, lang: str | None = None):
    """A signed-in console at station 1, tube ``serving_tube(seed)`` open, and one resident
    (``person(seed)``, an adult) called to it: returns (page, ticket)."""
    from playwright.sync_api import expect

    page = open_console(open_page, site, lang=lang)
    expect(page.locator("#console")).to_be_visible()
    page.keyboard.type(serving_tube(seed))
    page.keyboard.press("Enter")
    expect(page.locator("#tube-status")).to_contain_text(serving_tube(seed))
    resident = {**person(seed), "id_number": make_id_number(seed, birth="19900101")}
    ticket = api.ok("POST", f"/api/v1/sites/{site['id']}/tickets", resident, status=201)
    expect(page.locator("#next-list")).to_contain_text(ticket["number"])
    page.keyboard.press("n")
    expect(page.locator("#current-number")).to_have_text(ticket["number"])
    return page, ticket


def ticket_view(api: Api, ticket: dict) -> dict:
    """The ticket as its holder's phone reads it (status, tube, ...)."""
    return api.ok("GET", f"/api/v1/tickets/{ticket['id']}", headers={"X-Ticket-Token": ticket["token"]})


def staff_headers(api: Api, site: dict) -> dict:
    token = api.ok("POST", "/api/v1/auth/staff", {"site_id": site["id"], "code": site["staff_code"]})["token"]
    return {"Authorization": f"Bearer {token}"}


# --- Chromium ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium fonts-wqy-microhei)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"playwright cannot be imported ({exc}); pip install -r requirements-test.txt")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def open_page(browser, live_server):
    """``open_page(kind="phone"|"laptop", path="", script=None)`` → a page in its own context (own
    storage); ``script`` runs in every document of the page before the page's own scripts.

    Any uncaught JavaScript error on any page fails the test, and so does anything the
    Content-Security-Policy blocked: a resident would be left with a page that silently
    stopped working.
    """
    contexts, errors = [], []

    def _open(kind: str = "phone", path: str | None = None, script: str | None = None):
        context = browser.new_context(base_url=live_server.url, **(PHONE if kind == "phone" else LAPTOP))
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        if script is not None:
            page.add_init_script(script)
        # A script, style or connection the security policy blocked is a page that half works.
        page.on("console", lambda msg: errors.append(f"{page.url}: {msg.text}")
                if "Content Security Policy" in msg.text else None)
        if path is not None:
            page.goto(path)
        return page

    yield _open
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture
def screenshot(tmp_path):
    """Save a screenshot: into docs/screenshots/ when NATQ_SCREENSHOTS=1, else only under tmp_path."""
    target = SCREENSHOT_DIR if os.environ.get("NATQ_SCREENSHOTS") == "1" else tmp_path
    target.mkdir(parents=True, exist_ok=True)

    def _shot(page, name: str) -> Path:
        path = target / name
        page.screenshot(path=str(path))
        return path

    return _shot
