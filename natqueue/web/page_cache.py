"""Public pages (and public JSON the same for everyone) rendered once per second per process,
not once per view.

Rendering a resident's join page costs several times a join (its ~140 translated strings
are looked up one by one), and at a district's peak everyone opens it at once. What the page
shows is public and the same for everyone who opens it in the same language within a second:
the site's figures, which the page's script replaces with the site's current picture as soon
as its socket connects (``watch_site`` answers with a snapshot) and keeps live from the feed
after that, so a page a second old shows the present within a moment. So a
page is rendered at most once per window per (page, language) in a process, and every other
view in that window gets the same text.

The one thing that must differ per response is the CSP nonce (``web.headers``): a reused
nonce would let a script injected into one response run in every other. A page is rendered
with this process's secret placeholder instead of a nonce, and each response gets a fresh
nonce written over the placeholder; the placeholder is random per process and never leaves
it. While one request renders a stale page, the others in the window answer with the page
they had (at most a few, gevent being cooperative); the cache holds a bounded number of pages.
"""

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from flask import current_app, g, render_template
from flask_babel import get_locale

#: How long one rendering of a page is served (ms).
PAGE_TTL_MS = 1000
#: Pages kept per process (least recently rendered dropped first): ~10 KB each.
MAX_PAGES = 1024
#: A page older than this is not served even while another request renders it afresh (ms).
MAX_STALE_MS = 10_000
#: How long a request waits for another's rendering of the page it needs (s).
RENDER_WAIT_S = 5

_PLACEHOLDER = "nqnonce" + secrets.token_hex(12)


class PageCache:
    def __init__(self, ttl_ms: int = PAGE_TTL_MS, max_pages: int = MAX_PAGES):
        self.ttl_ms, self.max_pages = ttl_ms, max_pages
        self._pages: OrderedDict[tuple, tuple[float, str]] = OrderedDict()
        self._rendering: dict[tuple, threading.Event] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple, now: float, render: Callable[[], str]) -> str:
        """The page of ``key``, rendered by ``render()`` when there is none fresh enough. One
        request renders a page at a time: the others meanwhile answer with the page it
        replaces, or, with none recent enough, wait for it (rendering it side by side would
        make each wait for all the others)."""
        if self.ttl_ms <= 0:
            return render()
        for _attempt in range(2):
            with self._lock:
                found = self._pages.get(key)
                age = None if found is None else now - found[0]
                if age is not None and 0 <= age < self.ttl_ms:
                    return found[1]
                busy = self._rendering.get(key)
                if busy is None:
                    busy = self._rendering[key] = threading.Event()
                    break
                if age is not None and 0 <= age < MAX_STALE_MS:
                    return found[1]
            busy.wait(RENDER_WAIT_S)
        else:
            return render()  # the other request's rendering failed or hangs: this one renders alone
        try:
            text = render()
            with self._lock:
                self._pages[key] = (now, text)
                self._pages.move_to_end(key)
                while len(self._pages) > self.max_pages:
                    self._pages.popitem(last=False)
            return text
        finally:
            with self._lock:
                del self._rendering[key]
            busy.set()


def _now_ms() -> float:
    """Local time, or the backend's fixed clock in tests (so no test sleeps)."""
    clock = current_app.extensions["natqueue"].clock
    return clock() if clock is not None else time.time() * 1000


def shared_text(key: tuple, render: Callable[[], str]) -> str:
    """Text the same for every caller (public JSON), made by ``render()`` at most once per
    window in this process; no nonce, no language."""
    cache: PageCache = current_app.extensions["natqueue_pages"]
    return cache.get(key, _now_ms(), render)


def shared_page(name: str, prepare: Callable[[], tuple[str, dict]]) -> str:
    """The page ``name`` in this request's language, from the cache or rendered afresh:
    ``prepare()`` reads what it shows and returns ``(template, context)``; it may abort
    (a 404), then nothing is cached. The answer carries this response's own nonce."""
    def render() -> str:
        template, context = prepare()
        g.csp_nonce = _PLACEHOLDER
        try:
            return render_template(template, **context)
        finally:
            g.pop("csp_nonce", None)

    cache: PageCache = current_app.extensions["natqueue_pages"]
    text = cache.get((name, str(get_locale())), _now_ms(), render)
    g.csp_nonce = secrets.token_urlsafe(16)
    return text.replace(_PLACEHOLDER, g.csp_nonce)
