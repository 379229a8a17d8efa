/* nq.js: what every natqueue page script shares, in one place.
 *
 * Loaded by templates/base.html (and display.html, the calling screen's own
 * layout) before any page script. A plain script for old browsers on cheap
 * phones: no modules, no build step, no syntax newer than the pages use.
 *
 * A page's template hands its data to its script as NQ.page ({site, strings, ...});
 * the script takes what it needs from here:
 *
 *   NQ.$(id), NQ.show(el, yes)        an element by id; show or hide it
 *   NQ.tell(el, text)                 a message line says text, hidden while there is none
 *   NQ.el(tag, cls, text)             a new element, with its class and text if given
 *   NQ.fill(template, values)         "{name}" placeholders (every one) from values
 *   NQ.duration(seconds, short)       a duration in words, by the one rule every page follows (below)
 *   NQ.newKey()                       a fresh Idempotency-Key
 *   NQ.api(method, url, body, opts)   one call to the JSON API (see below)
 *   NQ.errorOf(r)                     the API's error {code, message, fields} of an answer, or {}
 *   NQ.errorLine(r, fallback)         that error as one line: its message (or fallback), the fields at fault
 *   NQ.clock(ms)                      a moment as the local hour and minute ("" for none)
 *   NQ.load(key, fallback), NQ.store(key, value)
 *                                     JSON kept in this browser (localStorage; private mode: not kept)
 *   NQ.say(text, rate)                read a text aloud in the page's language, where the browser can
 *   NQ.busy(button, yes, text)        a button that shows it is sending (text, spinner), or is back
 *   NQ.connect(options)               the page's Socket.IO connection, with its offline banner
 *   NQ.watchSite(socket, siteId, on)  a site's feed, exact across reconnects (see below)
 *   NQ.compareIds(a, b)               the order of two site event ids ("<ms>-<seq>")
 */
(function () {
  "use strict";
  var NQ = window.NQ = {};

  NQ.$ = function (id) { return document.getElementById(id); };
  NQ.show = function (el, yes) { el.hidden = !yes; };
  /* NQ.tell(el, text): a page's message line says text, and is hidden while there is none. */
  NQ.tell = function (el, text) { el.textContent = text || ""; el.hidden = !text; };
  NQ.el = function (tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  };

  // Translations may place a placeholder anywhere and more than once; a missing value says nothing.
  NQ.fill = function (template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (_m, name) {
      return values[name] === undefined ? "" : String(values[name]);
    });
  };

  /* NQ.duration(seconds, short): every duration a page shows, by the rule the server's pages
   * follow too (the Jinja filter "duration", natqueue/web/formatting.py), so one wait never reads
   * two ways: nothing known → "—"; under a minute → "less than 1 min" (short: whole seconds, for
   * one person's stage times at a station); else whole minutes, rounded up, so a wait is never
   * shown shorter than it is. The words are NQ.units, set by the page in its language
   * (templates/_nq_units.html). */
  NQ.duration = function (seconds, short) {
    var U = NQ.units || {};
    if (seconds === null || seconds === undefined) { return "—"; }
    if (seconds < 60) {
      return short ? NQ.fill(U.seconds || "{n} s", { n: Math.round(seconds) }) : (U.underMinute || "< 1 min");
    }
    return NQ.fill(U.minutes || "{n} min", { n: Math.ceil(seconds / 60) });
  };

  /* An Idempotency-Key: the server keeps the answer under it, so a retry replays
   * instead of acting twice. Random from the browser's crypto, never Math.random:
   * two phones must never make the same key. randomUUID exists only in secure
   * contexts (HTTPS, localhost); on plain HTTP the same shape comes from getRandomValues. */
  NQ.newKey = function () {
    var c = window.crypto || window.msCrypto;
    if (c.randomUUID) { return c.randomUUID(); }
    var b = new Uint8Array(16);
    c.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;  // a version-4 UUID
    var hex = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  };

  /* NQ.api(method, url, body, opts): one call to the JSON API, with this site's cookies.
   *   body          sent as JSON unless undefined; with opts.type, sent as it is (a File) with that Content-Type
   *   opts.key      the Idempotency-Key: a string the caller keeps to retry with, or true for a fresh one
   *   opts.headers  more headers (e.g. X-Ticket-Token); opts.cache: fetch's cache mode
   * Resolves with every answer of the server's own, success or refusal: {status, ok, body}, where a
   * refusal's body is {"error": {"code", "message", "fields"}} (NQ.errorOf reads it).
   * Rejects with an Error whose .network is true when no such answer came: the network is down,
   * the request was cut, or something between (a proxy, a captive portal) answered instead of the
   * server (.status then says what it answered), or no answer came within opts.timeout ms
   * (NQ.timeoutMs unless given; .timeout is then true, and the request is abandoned). A call
   * never hangs: a page waiting on one answer would ignore every press after it. The request may
   * or may not have reached the server: a retry with the same key is safe. */
  NQ.timeoutMs = 10000;
  NQ.api = function (method, url, body, opts) {
    opts = opts || {};
    var headers = {}, extra = opts.headers || {};
    Object.keys(extra).forEach(function (name) { headers[name] = extra[name]; });
    if (opts.type) { headers["Content-Type"] = opts.type; }
    else if (body !== undefined || method !== "GET") { headers["Content-Type"] = "application/json"; }
    var key = opts.key === true ? NQ.newKey() : opts.key;
    if (key) { headers["Idempotency-Key"] = key; }
    var init = { method: method, headers: headers, credentials: "same-origin" };
    if (body !== undefined) { init.body = opts.type ? body : JSON.stringify(body); }
    if (opts.cache) { init.cache = opts.cache; }
    var abort = window.AbortController ? new window.AbortController() : null;
    if (abort) { init.signal = abort.signal; }
    return new Promise(function (resolve, reject) {
      // Without AbortController (old browsers) the request runs on, but its answer is ignored.
      var timer = setTimeout(function () {
        reject(unanswered(0, true));
        if (abort) { abort.abort(); }
      }, opts.timeout || NQ.timeoutMs);
      window.fetch(url, init).then(function (res) {
        return res.json().then(function (data) {
          return { status: res.status, ok: res.ok, body: data };
        }, function () { throw unanswered(res.status); });
      }, function () { throw unanswered(0); }).then(function (r) {
        clearTimeout(timer); resolve(r);
      }, function (err) { clearTimeout(timer); reject(err); });
    });
  };
  function unanswered(status, timedOut) {
    var err = new Error(timedOut ? "no answer in time" : status ? "not the server's answer (HTTP " + status + ")"
      : "network failure");
    err.network = true; err.status = status; err.timeout = !!timedOut;
    return err;
  }
  NQ.errorOf = function (r) { return (r && r.body && r.body.error) || {}; };
  NQ.errorLine = function (r, fallback) {
    var e = NQ.errorOf(r);
    return (e.message || fallback || "") + " " + Object.keys(e.fields || {}).join(", ");
  };
  NQ.clock = function (ms) {
    return ms ? new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
  };

  NQ.load = function (key, fallback) {
    try {
      var value = JSON.parse(localStorage.getItem(key));
      return value === null ? fallback : value;
    } catch (e) { return fallback; }
  };
  // undefined removes the key. False when the browser would not keep it (private mode, full).
  NQ.store = function (key, value) {
    try {
      if (value === undefined) { localStorage.removeItem(key); } else { localStorage.setItem(key, JSON.stringify(value)); }
      return true;
    } catch (e) { return false; }
  };

  NQ.say = function (text, rate) {
    try {
      if (!window.speechSynthesis) { return; }
      var u = new SpeechSynthesisUtterance(text);
      u.lang = document.documentElement.lang === "en" ? "en-US" : "zh-CN";
      if (rate) { u.rate = rate; }
      window.speechSynthesis.speak(u);
    } catch (e) { /* the screen still says it */ }
  };

  /* NQ.busy(button, yes, text): while a request travels its button says so in words (text) and
   * with a spinner (a ``.spinner`` inside it, shown by the class ``sending``), not only greyed
   * out; aria-busy tells a screen reader. Its label (a ``.button-label`` inside, else the button's
   * own text) comes back when it is done. */
  NQ.busy = function (button, yes, text) {
    var label = button.querySelector(".button-label") || button;
    if (yes && !button.hasAttribute("data-idle")) { button.setAttribute("data-idle", label.textContent); }
    if (yes && text) { label.textContent = text; }
    if (!yes && button.hasAttribute("data-idle")) {
      label.textContent = button.getAttribute("data-idle");
      button.removeAttribute("data-idle");
    }
    button.disabled = yes;
    button.classList.toggle("sending", yes);
    button.setAttribute("aria-busy", yes ? "true" : "false");
  };

  /* NQ.connect(options): the page's Socket.IO connection (the vendored client must be loaded).
   * It reconnects by itself, at most 5 s apart. While it is down the page's #offline
   * banner shows, and body[data-live] (set by NQ.watchSite) is removed. options go to
   * io(): {autoConnect: false} lets a page subscribe everything first and call socket.connect(). */
  NQ.connect = function (options) {
    var settings = { reconnectionDelayMax: 5000 };
    Object.keys(options || {}).forEach(function (name) { settings[name] = options[name]; });
    var socket = window.io(settings);
    function offline(yes) { var el = NQ.$("offline"); if (el) { el.hidden = !yes; } }
    socket.on("connect", function () { offline(false); });
    socket.on("disconnect", function () { offline(true); document.body.removeAttribute("data-live"); });
    socket.on("connect_error", function () { offline(true); });
    return socket;
  };

  NQ.compareIds = function (a, b) {
    var pa = a.split("-"), pb = b.split("-");
    return (Number(pa[0]) - Number(pb[0])) || (Number(pa[1]) - Number(pb[1]));
  };

  /* NQ.watchSite(socket, siteId, on): the site's feed (natqueue/web/events.py, natqueue/feed.py).
   * Broadcasts are hints that a cut network loses, so at each (re)connection the page sends
   * watch_site with the id of the last site event it took in, and the server answers:
   *   - nothing more when nothing was missed;
   *   - "site_events", the events missed, oldest first: on.missed(events), or on.event(e, true) for each;
   *   - "site", a snapshot, when some missed events are gone or no id was sent: on.snapshot(site);
   * and from then on each change is one live "site_event": on.event(e, false).
   * The acknowledgement sets body[data-live]="1" (the page is in the site's room) and calls on.live(ack).
   *   on.since    the page's last event id at load (from its template), or null
   *   on.lastId() where the page keeps its own cursor: the id to send. Without it the feed
   *               keeps one: the latest id of any event or snapshot passed on (feed.lastId)
   *   on.auto     false: do not watch at each connection; the page calls feed.watch() itself
   * Returns feed: {watch(), lastId}. An event may come twice (live, then in a replay): a page
   * that must not apply one twice checks its id. */
  NQ.watchSite = function (socket, siteId, on) {
    var feed = { lastId: on.since || null };
    function advance(id) {
      if (id && (!feed.lastId || NQ.compareIds(id, feed.lastId) > 0)) { feed.lastId = id; }
    }
    feed.watch = function () {
      var since = on.lastId ? on.lastId() : feed.lastId;
      socket.emit("watch_site", { site_id: siteId, last_id: since || null }, function (ack) {
        if (ack && ack.ok) { document.body.setAttribute("data-live", "1"); }
        if (on.live) { on.live(ack); }
      });
    };
    socket.on("site_event", function (e) { advance(e.id); on.event(e, false); });
    socket.on("site_events", function (batch) {
      batch.events.forEach(function (e) { advance(e.id); });
      if (on.missed) { on.missed(batch.events); } else { batch.events.forEach(function (e) { on.event(e, true); }); }
    });
    socket.on("site", function (snapshot) {
      if (snapshot.last_event_id) { feed.lastId = snapshot.last_event_id; }
      on.snapshot(snapshot);
    });
    if (on.auto !== false) { socket.on("connect", feed.watch); }
    return feed;
  };
})();
