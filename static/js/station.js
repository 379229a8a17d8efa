/* The station console: big buttons and single keys, for gloved hands.
 *
 * Every action is one API call with its own Idempotency-Key, kept until the
 * server answers, so a double tap or a retry after a network blip never calls
 * two people. The console refreshes its lists whenever the site feed moves.
 * No call waits for ever (NQ.api's timeout): after a second the console says it
 * is waiting, a press meanwhile is answered with a word, never ignored, and a
 * call that got no answer says so (pressed again, it replays, never acts twice).
 *
 * A sampled or no-show mark the server has not recorded is never lost: made while
 * the network is down, left unanswered, or refused because this console was signed
 * out meanwhile (the staff code rotated, a sign-out elsewhere), it is kept on this
 * device (localStorage, with its Idempotency-Key and its body: for a sample, the tube
 * shown open) and sent, in order, when the network is back and staff are signed in:
 * the sign-in panel says how many wait for it. One the server refuses for what it
 * says (someone else marked the ticket, the tube changed) stays listed with the reason
 * until a person discards it. The key makes a resend harmless; the tube makes the
 * server refuse a sample that would now land in another tube than the swab's.
 */
(function () {
  "use strict";
  var $ = NQ.$, show = NQ.show, fill = NQ.fill;
  var S = NQ.page.strings, site = NQ.page.site, station = NQ.page.station;
  var base = "/api/v1/sites/" + encodeURIComponent(site.id) + "/stations/" + station;
  var view = null, busy = false, pending = {}, waitTimer = null;
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

  function message(text) { NQ.tell($("console-message"), text); }


  function signedOut() { show($("signin"), true); show($("console"), false); renderOutbox(); }

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
    return NQ.api("GET", base).then(function (r) {
      if (r.status === 401 || r.status === 403) { if (sentAt === signIns) { signedOut(); } return; }
      if (r.status === 200) { view = withoutKept(r.body); render(); halves.onView(view, current()); }
    }).catch(function () { /* offline banner says it */ });
  }

  /* --- marks kept until the server records them --- */
  var outboxKey = "natq:outbox:" + site.id + ":" + station, flushing = false;
  var memoryOutbox = NQ.load(outboxKey, []);
  function saveOutbox(list) {
    NQ.store(outboxKey, list);  // private mode: kept in memory only
    memoryOutbox = list;
  }
  function outbox() { var stored = NQ.load(outboxKey, []); return stored.length ? stored : memoryOutbox; }
  // A view the server sent before a kept mark reached it still lists that person as served
  // here; as far as this console knows they are done, so they must not come back as current
  // (unless the server refused the mark: then they are still to be marked).
  function withoutKept(v) {
    var kept = {};
    outbox().forEach(function (item) { if (item.id && !item.problem) { kept[item.id] = true; } });
    v.serving = v.serving.filter(function (t) { return !kept[t.id]; });
    return v;
  }
  function discard(item) {
    if (!window.confirm(fill(S.confirmDiscard, { number: item.number }))) { return; }
    saveOutbox(outbox().filter(function (x) { return x.key !== item.key; }));
    renderOutbox();
  }
  function renderOutbox() {
    var list = outbox(), toSend = list.filter(function (x) { return !x.problem; }).length;
    $("outbox-count").textContent = toSend ? fill(S.outbox, { n: toSend }) : "";
    var problems = $("outbox-problems"); problems.innerHTML = "";
    list.filter(function (x) { return x.problem; }).forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = fill(S.outboxProblem, { number: item.number, message: item.problem }) + " ";
      var b = document.createElement("button");
      b.type = "button"; b.className = "mini-btn"; b.textContent = S.discard;
      b.addEventListener("click", function () { discard(item); });
      li.appendChild(b); problems.appendChild(li);
    });
    show($("outbox"), list.length > 0);
    // Signed out with marks still here: the sign-in panel says they wait for it.
    $("outbox-signin").textContent = toSend ? fill(S.keptSignIn, { n: toSend }) : "";
    show($("outbox-signin"), toSend > 0 && !$("signin").hidden);
  }
  // Keep a mark the server has not recorded; false for a move that is not a mark.
  function keep(name, url, body, key, signIn) {
    var move = name.split(":")[0], id = name.slice(move.length + 1);
    if (move !== "sampled" && move !== "no-show") { return false; }
    var cur = view && view.serving.filter(function (t) { return t.id === id; })[0];
    // The body as first sent: its key is bound to it, and a resend with another body is refused.
    var item = { key: key, name: name, url: url, id: id, number: cur ? cur.number : "", body: body };
    delete pending[name];
    if (!outbox().some(function (x) { return x.key === key; })) { saveOutbox(outbox().concat([item])); }
    if (view && cur) {  // done here, as far as this console knows: the medic moves on
      view.serving = view.serving.filter(function (t) { return t.id !== cur.id; });
      render();
    }
    if (!signIn) { message(fill(S.queued, { number: item.number })); setTimeout(flush, 3000); }
    renderOutbox();
    return true;
  }
  function flush() {
    var item = outbox().filter(function (x) { return !x.problem; })[0];
    renderOutbox();
    if (flushing || !item || $("console").hidden) { return; }  // signed out: sent after the next sign-in
    flushing = true;
    NQ.api("POST", item.url, item.body, { key: item.key }).then(function (r) {
      flushing = false;
      if (r.status === 401 || r.status === 403) { signedOut(); return; }  // kept: it goes once staff sign in again
      if (r.status >= 500) { setTimeout(flush, 5000); return; }  // the server is busy: kept, tried again
      var rest = outbox().filter(function (x) { return x.key !== item.key; });
      if (r.status >= 400) {  // refused for what it says: kept with the reason until a person discards it
        item.problem = NQ.errorOf(r).message || String(r.status);
        rest = outbox().map(function (x) { return x.key === item.key ? item : x; });
        message(fill(S.outboxProblem, { number: item.number, message: item.problem }));
      } else if (item.name) {
        halves.afterAction(item.name, r.body);  // recorded now: the same follow-up as a mark sent at once
      }
      saveOutbox(rest);
      refresh();
      flush();
    }, function () { flushing = false; renderOutbox(); setTimeout(flush, 5000); });
  }

  /* --- one press, one call: never two at once, never a press without a word --- */
  function waiting(yes) {
    clearTimeout(waitTimer);
    if (yes) {
      waitTimer = setTimeout(function () { document.body.setAttribute("data-waiting", "1"); message(S.waiting); }, 1000);
    } else {
      document.body.removeAttribute("data-waiting");
    }
  }
  function act(name, method, url, body) {
    if (busy) { message(S.busy); return; }
    busy = true; message(""); waiting(true);
    var key = pending[name] = pending[name] || NQ.newKey();
    NQ.api(method, url, body, { key: key }).then(function (r) {
      busy = false; waiting(false);
      if (r.status === 401 || r.status === 403) {
        keep(name, url, body, key, true);  // a mark refused for the credentials waits for the sign-in
        signedOut(); return;
      }
      delete pending[name];
      if (r.status >= 400) {
        var e = NQ.errorOf(r);
        message(e.code === "station_not_open" ? S.notOpen : e.message);
      } else if (name === "call" && r.body.ticket === null) {
        message(S.nobody);
      } else {
        message("");
      }
      if (r.status < 400) { halves.afterAction(name, r.body); }
      refresh();
    }).catch(function (err) {
      busy = false; waiting(false);
      // Its key is kept: pressed again, the move replays instead of acting twice.
      if (!keep(name, url, body, key)) { message(err.timeout ? S.noAnswer : S.network); }
    });
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
    NQ.api("POST", "/api/v1/auth/staff", { site_id: site.id, code: ev.target.code.value }).then(function (r) {
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
    NQ.api("POST", "/api/v1/auth/staff/sign-out").then(signedOut, function () { message(S.network); });
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
