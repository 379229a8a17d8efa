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
  var NQ = window.NQ, S = NQ.strings, site = NQ.site, station = NQ.station;
  var base = "/api/v1/sites/" + encodeURIComponent(site.id) + "/stations/" + station;
  var view = null, busy = false, pending = {};
  // Bumped at each sign-in: a refresh sent before it (no cookie yet) may answer
  // 401 after it, on a slow network, and must not sign the staff out again.
  var signIns = 0;

  function $(id) { return document.getElementById(id); }
  function show(el, yes) { el.hidden = !yes; }
  function randomKey() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function message(text) { $("console-message").textContent = text || ""; show($("console-message"), !!text); }

  function api(method, url, body, actionKey) {
    var headers = { "Content-Type": "application/json" };
    if (actionKey) {
      pending[actionKey] = pending[actionKey] || randomKey();
      headers["Idempotency-Key"] = pending[actionKey];
    }
    return fetch(url, { method: method, headers: headers, credentials: "same-origin",
                        body: body ? JSON.stringify(body) : undefined })
      .then(function (res) {
        return res.json().then(function (data) {
          if (actionKey) { delete pending[actionKey]; }
          return { status: res.status, body: data };
        });
      });
  }

  function signedOut() { show($("signin"), true); show($("console"), false); }

  function current() {
    if (!view || !view.serving.length) { return null; }
    // The ticket just scanned at the table, while it is still served here; else the latest called.
    var chosen = view.serving.filter(function (t) { return t.id === NQ.selected; })[0];
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
      b.addEventListener("click", function () { NQ.selected = t.id; arrived(t); });
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
      if (r.status === 200) { view = r.body; render(); if (NQ.onView) { NQ.onView(view); } }
    }).catch(function () { /* offline banner says it */ });
  }

  /* --- marks kept through a network cut --- */
  var outboxKey = "natq:outbox:" + site.id + ":" + station, flushing = false;
  function fill(t, v) { return t.replace(/\{(\w+)\}/g, function (_m, k) { return v[k]; }); }
  function loadOutbox() {
    try { return JSON.parse(localStorage.getItem(outboxKey) || "[]"); } catch (e) { return []; }
  }
  function saveOutbox(list) {
    try { localStorage.setItem(outboxKey, JSON.stringify(list)); } catch (e) { /* private mode: kept in memory */ }
    memoryOutbox = list;
  }
  var memoryOutbox = loadOutbox();
  function outbox() { var stored = loadOutbox(); return stored.length ? stored : memoryOutbox; }
  function renderOutbox() {
    var n = outbox().length;
    $("outbox").textContent = n ? fill(S.outbox, { n: n }) : "";
    show($("outbox"), n > 0);
  }
  function keep(name, url, body) {
    var move = name.split(":")[0], id = name.slice(move.length + 1);
    if (move !== "sampled" && move !== "no-show") { return false; }
    var cur = view && view.serving.filter(function (t) { return t.id === id; })[0];
    var item = { key: pending[name], url: url, number: cur ? cur.number : "", body: body || {} };
    if (move === "sampled" && NQ.openTube !== undefined) { item.body.tube = NQ.openTube; }
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
    fetch(item.url, { method: "POST", credentials: "same-origin",
                      headers: { "Content-Type": "application/json", "Idempotency-Key": item.key },
                      body: JSON.stringify(item.body) })
      .then(function (res) {
        return res.json().catch(function () { return {}; })
          .then(function (data) { return { status: res.status, body: data }; });
      })
      .then(function (r) {
        flushing = false;
        if (r.status === 401) { signedOut(); return; }  // kept: it goes once staff sign in again
        saveOutbox(outbox().filter(function (x) { return x.key !== item.key; }));
        if (r.status >= 400) {
          message(fill(S.outboxProblem, { number: item.number, message: (r.body.error || {}).message || r.status }));
        }
        refresh();
        flush();
      }, function () { flushing = false; renderOutbox(); setTimeout(flush, 5000); });
  }
  NQ.flushOutbox = flush;

  function act(name, method, url, body) {
    if (busy) { return; }
    busy = true; message("");
    api(method, url, body, name).then(function (r) {
      busy = false;
      if (r.status === 401 || r.status === 403) { signedOut(); return; }
      if (r.status >= 400) {
        var e = r.body.error || {};
        message(e.code === "station_not_open" ? S.notOpen : e.message);
      } else if (name === "call" && r.body.ticket === null) {
        message(S.nobody);
      }
      if (r.status < 400 && NQ.afterAction) { NQ.afterAction(name, r.body); }
      refresh();
    }).catch(function () { busy = false; if (!keep(name, url, body)) { message(S.network); } });
  }

  function onCurrent(move) {
    var cur = current();
    if (!cur) { message(S.nothingToMark); return; }
    act(move + ":" + cur.id, "POST", "/api/v1/tickets/" + encodeURIComponent(cur.id) + "/" + move);
  }

  function arrived(t) {
    if (t.checked_in_ms) { render(); return; }
    act("check-in:" + t.id, "POST", "/api/v1/tickets/" + encodeURIComponent(t.id) + "/check-in");
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

  document.addEventListener("keydown", function (ev) {
    var tag = (ev.target && ev.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || ev.ctrlKey || ev.metaKey || ev.altKey || $("console").hidden) { return; }
    var key = ev.key.toLowerCase();
    var map = { n: "btn-call", r: "btn-recall", x: "btn-noshow", s: "btn-sampled" };
    if (map[key]) { ev.preventDefault(); $(map[key]).click(); }
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
        ev.target.code.value = ""; refresh(); watch(); flush();
      } else {
        $("signin-error").textContent = (r.body.error && r.body.error.message) || S.wrongCode;
        show($("signin-error"), true);
      }
    }).catch(function () { $("signin-error").textContent = S.network; show($("signin-error"), true); });
  });
  $("signout").addEventListener("click", function () {
    api("POST", "/api/v1/auth/staff/sign-out").then(signedOut);
  });

  NQ.refresh = refresh;
  NQ.message = message;
  var socket = io({ reconnectionDelayMax: 5000 });
  var timer = null;
  function watch() { socket.emit("watch_site", { site_id: site.id }); }
  function soon() { if (!timer) { timer = setTimeout(function () { timer = null; refresh(); }, 150); } }
  socket.on("connect", function () { show($("offline"), false); watch(); refresh(); flush(); });
  window.addEventListener("online", flush);
  socket.on("disconnect", function () { show($("offline"), true); });
  socket.on("site_event", soon);
  socket.on("site_events", soon);
  socket.on("site", soon);
  if (!$("console").hidden) { refresh(); flush(); }
})();
