/* The station console: big buttons and single keys, for gloved hands.
 *
 * Every action is one API call with its own Idempotency-Key, kept until the
 * server answers, so a double tap or a retry after a network blip never calls
 * two people. The console refreshes its lists whenever the site feed moves.
 *
 * A sampled or no-show mark made while the network is down is not lost: it is
 * kept on this device (localStorage, with its Idempotency-Key and, for a sample,
 * the tube shown open) and sent, in order, when the network is back. The key
 * makes a resend harmless; the tube makes the server refuse a sample that would
 * now land in another tube than the one the swab went into.
 */
(function () {
  "use strict";
  var $ = NQ.$, show = NQ.show, fill = NQ.fill;
  var S = NQ.page.strings, site = NQ.page.site, station = NQ.page.station;
  var base = "/api/v1/sites/" + encodeURIComponent(site.id) + "/stations/" + station;
  var view = null, busy = false, pending = {};
  // Bumped at each sign-in: a refresh sent before it (no cookie yet) may answer
  // 401 after it, on a slow network, and must not sign the staff out again.
  var signIns = 0;

  /* The console's two halves talk only through this object. station.js (this file,
   * loaded first) makes it; station-flow.js (the scan field, tubes, walk-ins, loaded
   * second) sets its hooks; the console starts once the document is parsed, so
   * both halves are in before the first answer or event arrives. */
  var halves = NQ.halves = {
    // Set by station-flow.js, called here:
    onView: function (_view, _current) {},  // after each refresh of the lists: the station's view and the ticket at the table
    afterAction: function (_name, _body) {},  // after each move the server took: "call", "status", "sampled:<ticket id>", …
    // Set by station-flow.js, read here: the code of the tube open at this station (null: none;
    // undefined: not known yet). A sample marked during a network cut is sent naming it.
    openTube: undefined,
    // Set by either half, read by both: the ticket checked in at the table (scanned, or its
    // arrival confirmed), served first while it is called here.
    selected: null,
    // Set here, called by station-flow.js:
    refresh: refresh,  // refetch the station's view (then onView)
    message: message,  // show a line in the console's message box ("" hides it)
    shortcut: shortcut,  // a keydown the console answers (N/R/X/S): true when it did
    showTab: showTab  // open a tab's panel ("queue", "tube", "walkin", "station"); null: back to the buttons
  };

  /* The tabs: what is used now and then (the queue, the tube, walk-ins, the station's status
   * and roster) one tap away, never pushing the buttons off a phone's screen. On a phone (and a
   * tablet held upright) the tab bar stays at the bottom of the screen and a tab opens its panel
   * as a sheet over the console, closed again by the same tab or "back"; on a wide screen the
   * panels sit beside the buttons and one is always shown. */
  var wide = window.matchMedia ? window.matchMedia("(min-width: 60rem)") : { matches: true };
  var openTab = null;
  function showTab(name) {
    if (!name && wide.matches) { name = "queue"; }
    openTab = name;
    Array.prototype.forEach.call(document.querySelectorAll("[data-tab]"), function (tab) {
      var tabName = tab.getAttribute("data-tab");
      tab.setAttribute("aria-selected", tabName === name ? "true" : "false");
      show($("panel-" + tabName), tabName === name);
    });
    show($("sheet"), !!name);
    document.body.setAttribute("data-sheet", name && !wide.matches ? name : "");
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-tab]"), function (tab) {
    tab.addEventListener("click", function () {
      var name = tab.getAttribute("data-tab");
      showTab(name === openTab ? null : name);
    });
  });
  $("sheet-close").addEventListener("click", function () { showTab(null); });
  if (wide.addListener) { wide.addListener(function () { showTab(wide.matches ? openTab : null); }); }
  showTab(null);

  function message(text) { $("console-message").textContent = text || ""; show($("console-message"), !!text); }

  // A move keeps its Idempotency-Key until the server answers: pressed again after a blip it replays.
  function api(method, url, body, actionKey) {
    var opts = {};
    if (actionKey) { opts.key = pending[actionKey] = pending[actionKey] || NQ.newKey(); }
    return NQ.api(method, url, body, opts).then(function (r) {
      if (actionKey) { delete pending[actionKey]; }
      return r;
    });
  }

  function signedOut() { show($("signin"), true); show($("console"), false); }

  function current() {
    if (!view || !view.serving.length) { return null; }
    // The ticket just scanned at the table, while it is still served here; else the latest called.
    var chosen = view.serving.filter(function (t) { return t.id === halves.selected; })[0];
    return chosen || view.serving[view.serving.length - 1];
  }

  function render() {
    if (!view) { return; }
    $("station-status").textContent = S[view.status] || view.status;
    $("station-waiting").textContent = view.waiting;
    document.body.setAttribute("data-station-status", view.status);
    var cur = current();
    $("current-number").textContent = cur ? cur.number : "—";
    $("current-person").textContent = cur ? cur.name + " · " + cur.id_number : "";
    // Confirming the number of the person at the table checks them in (no code to scan needed):
    // their information entry starts, the stage times count from it, and they become current.
    show($("btn-arrived"), !!cur && !cur.checked_in_ms);
    var serving = $("serving-list"); serving.innerHTML = "";
    view.serving.filter(function (t) { return t !== cur; }).forEach(function (t) {
      var li = document.createElement("li"); li.textContent = t.number + " " + t.name + " ";
      var b = document.createElement("button");
      b.type = "button"; b.className = "small-btn"; b.textContent = S.arrived;
      b.addEventListener("click", function () { halves.selected = t.id; arrived(t); });
      li.appendChild(b); serving.appendChild(li);
    });
    var next = $("next-list"); next.innerHTML = "";
    view.next.forEach(function (t) {
      var li = document.createElement("li"); li.textContent = t.number + "  " + t.name; next.appendChild(li);
    });
    if (!view.next.length) { var li = document.createElement("li"); li.className = "muted"; li.textContent = S.nobody; next.appendChild(li); }
    Array.prototype.forEach.call(document.querySelectorAll("[data-status]"), function (b) {
      b.classList.toggle("active", b.getAttribute("data-status") === view.status);
    });
  }

  function refresh() {
    var sentAt = signIns;
    return api("GET", base).then(function (r) {
      if (r.status === 401 || r.status === 403) { if (sentAt === signIns) { signedOut(); } return; }
      if (r.status === 200) { view = withoutKept(r.body); render(); halves.onView(view, current()); }
    }).catch(function () { /* offline banner says it */ });
  }

  /* --- marks kept through a network cut --- */
  var outboxKey = "natq:outbox:" + site.id + ":" + station, flushing = false;
  var memoryOutbox = NQ.load(outboxKey, []);
  function saveOutbox(list) {
    NQ.store(outboxKey, list);  // private mode: kept in memory only
    memoryOutbox = list;
  }
  function outbox() { var stored = NQ.load(outboxKey, []); return stored.length ? stored : memoryOutbox; }
  // A view the server sent before a kept mark reached it still lists that person as served
  // here; as far as this console knows they are done, so they must not come back as current.
  function withoutKept(v) {
    var kept = {};
    outbox().forEach(function (item) { if (item.id) { kept[item.id] = true; } });
    v.serving = v.serving.filter(function (t) { return !kept[t.id]; });
    return v;
  }
  function renderOutbox() {
    var n = outbox().length;
    $("outbox").textContent = n ? fill(S.outbox, { n: n }) : "";
    show($("outbox"), n > 0);
  }
  function keep(name, url, body) {
    var move = name.split(":")[0], id = name.slice(move.length + 1);
    if (move !== "sampled" && move !== "no-show") { return false; }
    var cur = view && view.serving.filter(function (t) { return t.id === id; })[0];
    // The body as first sent: its key is bound to it, and a resend with another body is refused.
    var item = { key: pending[name], name: name, url: url, id: id, number: cur ? cur.number : "", body: body };
    delete pending[name];
    saveOutbox(outbox().concat([item]));
    if (view && cur) {  // done here, as far as this console knows: the medic moves on
      view.serving = view.serving.filter(function (t) { return t.id !== cur.id; });
      render();
    }
    message(fill(S.queued, { number: item.number }));
    renderOutbox();
    setTimeout(flush, 3000);
    return true;
  }
  function flush() {
    var list = outbox();
    renderOutbox();
    if (flushing || !list.length) { return; }
    flushing = true;
    var item = list[0];
    // Still no answer of the server's own (offline, or a proxy's error page): kept, tried again later.
    NQ.api("POST", item.url, item.body, { key: item.key }).then(function (r) {
      flushing = false;
      if (r.status === 401) { signedOut(); return; }  // kept: it goes once staff sign in again
      saveOutbox(outbox().filter(function (x) { return x.key !== item.key; }));
      if (r.status >= 400) {
        message(fill(S.outboxProblem, { number: item.number, message: NQ.errorOf(r).message || r.status }));
      } else if (item.name) {
        halves.afterAction(item.name, r.body);  // recorded now: the same follow-up as a mark sent at once
      }
      refresh();
      flush();
    }, function () { flushing = false; renderOutbox(); setTimeout(flush, 5000); });
  }

  function act(name, method, url, body) {
    if (busy) { return; }
    busy = true; message("");
    api(method, url, body, name).then(function (r) {
      busy = false;
      if (r.status === 401 || r.status === 403) { signedOut(); return; }
      if (r.status >= 400) {
        var e = NQ.errorOf(r);
        message(e.code === "station_not_open" ? S.notOpen : e.message);
      } else if (name === "call" && r.body.ticket === null) {
        message(S.nobody);
      }
      if (r.status < 400) { halves.afterAction(name, r.body); }
      refresh();
    }).catch(function () { busy = false; if (!keep(name, url, body)) { message(S.network); } });
  }

  function onCurrent(move) {
    var cur = current();
    if (!cur) { message(S.nothingToMark); return; }
    // A sample names the tube shown open as it is marked: sent now or, after a network cut,
    // later, the server refuses it should the station's tube have changed meanwhile.
    var body = move === "sampled" && halves.openTube !== undefined ? { tube: halves.openTube } : undefined;
    act(move + ":" + cur.id, "POST", "/api/v1/tickets/" + encodeURIComponent(cur.id) + "/" + move, body);
  }

  function arrived(t) {
    if (t.checked_in_ms) { render(); return; }
    // Naming this station, the arrival keeps a scan's rules (called here, not elsewhere).
    act("check-in:" + t.id, "POST", "/api/v1/tickets/" + encodeURIComponent(t.id) + "/check-in", { station: station });
  }

  $("btn-arrived").addEventListener("click", function () { var cur = current(); if (cur) { arrived(cur); } });
  $("btn-call").addEventListener("click", function () { act("call", "POST", base + "/call"); });
  $("btn-recall").addEventListener("click", function () { onCurrent("recall"); });
  $("btn-noshow").addEventListener("click", function () { onCurrent("no-show"); });
  $("btn-sampled").addEventListener("click", function () { onCurrent("sampled"); });
  Array.prototype.forEach.call(document.querySelectorAll("[data-status]"), function (b) {
    b.addEventListener("click", function () {
      act("status", "POST", base + "/status", { status: b.getAttribute("data-status") });
    });
  });

  var SHORTCUTS = { n: "btn-call", r: "btn-recall", x: "btn-noshow", s: "btn-sampled" };
  function shortcut(ev) {
    var id = !ev.ctrlKey && !ev.metaKey && !ev.altKey && SHORTCUTS[(ev.key || "").toLowerCase()];
    if (!id) { return false; }
    ev.preventDefault(); $(id).click();
    return true;
  }
  document.addEventListener("keydown", function (ev) {
    var tag = (ev.target && ev.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || $("console").hidden) { return; }
    shortcut(ev);
  });

  $("signin-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    api("POST", "/api/v1/auth/staff", { site_id: site.id, code: ev.target.code.value }).then(function (r) {
      if (r.status === 200) {
        signIns += 1;
        // The field is about to hide; left focused, it would swallow the N/R/X/S keys
        // (browsers drop focus from hidden fields late, or not at all).
        ev.target.code.blur();
        show($("signin"), false); show($("console"), true); show($("signin-error"), false);
        ev.target.code.value = ""; refresh(); feed.watch(); flush();
      } else {
        $("signin-error").textContent = NQ.errorOf(r).message || S.wrongCode;
        show($("signin-error"), true);
      }
    }).catch(function () { $("signin-error").textContent = S.network; show($("signin-error"), true); });
  });
  $("signout").addEventListener("click", function () {
    api("POST", "/api/v1/auth/staff/sign-out").then(signedOut);
  });

  // Whatever moved in the site's feed (live, missed or a snapshot), the lists are refetched once.
  var socket = NQ.connect({ autoConnect: false }), timer = null;
  function soon() { if (!timer) { timer = setTimeout(function () { timer = null; refresh(); }, 150); } }
  var feed = NQ.watchSite(socket, site.id, { since: site.last_event_id, event: soon, missed: soon, snapshot: soon });
  socket.on("connect", function () { refresh(); flush(); });
  window.addEventListener("online", flush);
  document.addEventListener("DOMContentLoaded", function () {
    socket.connect();
    if (!$("console").hidden) { refresh(); flush(); }
  });
})();
