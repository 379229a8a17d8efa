/* The station console's workflow: the scan field, tubes, walk-in tickets, priority checks.
 *
 * Loaded after station.js; the two talk only through NQ.halves (described in
 * station.js): this half sets onView, afterAction and openTube, and calls refresh,
 * message and shortcut. The scan field keeps the focus so a USB scanner's code +
 * Enter always lands in it; while it is empty, the N/R/X/S keys still call,
 * recall, pass and mark sampled (no code starts with those letters).
 */
(function () {
  "use strict";
  var $ = NQ.$, fill = NQ.fill, halves = NQ.halves;
  var S = NQ.page.strings, T = NQ.page.flow.strings, site = NQ.page.site, station = NQ.page.station;
  var base = "/api/v1/sites/" + encodeURIComponent(site.id) + "/stations/" + station;
  var lastSampled = null, camera = null, stationMode = null;

  function post(url, body) { return NQ.api("POST", url, body || {}, { key: true }); }
  function errorText(r) { return NQ.errorOf(r).message || S.network; }
  function result(text, ok) {
    var el = $("scan-result");
    el.textContent = text; el.hidden = !text; el.classList.toggle("bad", !ok);
  }

  /* --- the tube-full prompt, on screen and aloud --- */
  function tubeFull(count) {
    var text = fill(T.tubeFull, { n: count });
    $("tube-full-text").textContent = text;
    $("tube-full").hidden = false;
    NQ.say(text);
  }
  $("tube-full-ok").addEventListener("click", function () {
    $("tube-full").hidden = true; $("scan").focus({ preventScroll: true });
  });

  /* --- tube card, priority checks --- */
  function renderTube(v) {
    stationMode = v.mode;
    halves.openTube = v.tube ? v.tube.code : null;
    if (v.mode === "single") { $("to-single").hidden = true; }
    $("tube-mode-label").textContent = T[v.mode] || v.mode;
    Array.prototype.forEach.call(document.querySelectorAll("[data-mode]"), function (b) {
      b.classList.toggle("active", b.getAttribute("data-mode") === v.mode);
    });
    var tube = v.tube, list = $("tube-people");
    $("tube-status").textContent = tube ? fill(T.tubeOpen, { code: tube.code, count: tube.count, capacity: tube.capacity })
      : T.noTube;
    $("tube-status").classList.toggle("none", !tube);
    if (tube) { $("untubed").hidden = true; }  // the next swab has a tube again
    $("tube-close").hidden = !tube;
    $("single-waiting").textContent = fill(T.singleWaiting, { n: v.single_waiting });
    $("single-waiting").hidden = !v.single_waiting;
    list.innerHTML = "";
    (tube ? tube.people : []).forEach(function (p) {
      var li = document.createElement("li");
      li.textContent = p.number + " " + p.name + " " + p.id_number + (p.voided ? " ✗ " + (p.void_reason || "") : " ");
      if (!p.voided) {
        li.appendChild(button(T.void, function () { voidSample(p.ticket_id); }));
        li.appendChild(button(T.move, function () { moveSample(p.ticket_id); }));
      }
      list.appendChild(li);
    });
    var medic = document.querySelector("#medic-form [name=medic]");
    if (document.activeElement !== medic) { medic.value = v.medic || ""; }
    var declared = $("declared-list");
    declared.innerHTML = "";
    v.declared.forEach(function (t) {
      var li = document.createElement("li");
      li.textContent = t.number + " " + t.name + " · " + (T.reasons[t.declared] || t.declared) + " ";
      li.appendChild(button(T.confirm, function () { flags(t.id, { priority: t.declared }); }));
      li.appendChild(button(T.refuse, function () { flags(t.id, { priority: "" }); }));
      declared.appendChild(li);
    });
    if (!v.declared.length) {
      var none = document.createElement("li"); none.className = "muted"; none.textContent = T.nobodyDeclared;
      declared.appendChild(none);
    }
    // Seen from any tab: how many priorities wait to be checked.
    $("queue-badge").textContent = String(v.declared.length);
    $("queue-badge").hidden = !v.declared.length;
  }
  function button(text, onClick) {
    var b = document.createElement("button");
    b.type = "button"; b.className = "mini-btn"; b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }
  // Reads can cross (a tube scanned while an earlier read is on its way): only the latest
  // one's answer is shown, or an older "no open tube" could land last and stay.
  var tubeReads = 0;
  function loadTube() {
    var mine = ++tubeReads;
    return NQ.api("GET", base + "/tube").then(function (r) {
      if (r.ok && mine === tubeReads) { renderTube(r.body); }
    }).catch(function () { /* the offline banner says it */ });
  }
  function after(r) {
    if (r.status >= 400) { halves.message(errorText(r)); }
    halves.refresh();
  }
  // No answer (network down, or none in time): said, never dropped without a word.
  function unanswered(err) { halves.message(err && err.timeout ? S.noAnswer : S.network); }
  function flags(id, body) { post("/api/v1/tickets/" + encodeURIComponent(id) + "/flags", body).then(after, unanswered); }
  function voidSample(id) {
    var reason = window.prompt(T.voidReason);
    if (reason) { post("/api/v1/tickets/" + encodeURIComponent(id) + "/void", { reason: reason }).then(after, unanswered); }
  }
  function moveSample(id) {
    var code = window.prompt(T.moveTo);
    if (code) { post("/api/v1/tickets/" + encodeURIComponent(id) + "/move", { tube: code.trim() }).then(after, unanswered); }
  }

  // Staff set priority (with its reason) or the yellow-code mark on anyone in line.
  function markNext(view) {
    var items = document.querySelectorAll("#next-list li");
    view.next.forEach(function (t, i) {
      var li = items[i];
      if (!li) { return; }
      if (t.household) { li.appendChild(document.createTextNode(" 👪")); }
      var choose = document.createElement("select");
      choose.className = "mini-select";
      [["", T.regular]].concat(Object.keys(T.reasons).map(function (k) { return [k, T.reasons[k]]; }))
        .forEach(function (o) {
          var opt = document.createElement("option"); opt.value = o[0]; opt.textContent = o[1]; choose.appendChild(opt);
        });
      choose.value = t.priority || "";
      choose.addEventListener("change", function () { flags(t.id, { priority: choose.value }); });
      li.appendChild(choose);
      var yellow = button(t.single ? "✓ " + T.yellow : T.yellow, function () {
        flags(t.id, { single: t.single ? "" : "yellow_code" });
      });
      if (t.single) { yellow.classList.add("yellow"); }
      li.appendChild(yellow);
    });
  }

  // The resident at the table shows a yellow code: a pooled station sends them back to wait,
  // at their place, for a single-tube station (the server does it in one step).
  var toSingle = button(T.toSingle, function () {
    if (toSingle.ticketId) { flags(toSingle.ticketId, { single: "yellow_code" }); }
  });
  toSingle.id = "to-single"; toSingle.className = "small-btn yellow"; toSingle.hidden = true;
  document.querySelector(".serving-acts").appendChild(toSingle);
  function markCurrent(cur) {
    toSingle.ticketId = cur ? cur.id : null;
    toSingle.hidden = !cur || !!cur.single || stationMode === "single";
  }

  halves.onView = function (view, current) { markNext(view); markCurrent(current); loadTube(); };
  halves.afterAction = function (name, body) {
    if (name.indexOf("sampled:") === 0 && body) {
      lastSampled = body.id; $("void-last").hidden = false;
      if (body.tube_filled) { tubeFull(body.tube_position); }
      // Where the site lets a sample go without a tube, it never goes silently: the lab
      // cannot trace this swab. Said next to the buttons, and kept until a tube is open.
      $("untubed").textContent = body.tube ? "" : fill(T.untubed, { number: body.number });
      $("untubed").hidden = !!body.tube;
    }
  };
  $("void-last").addEventListener("click", function () { if (lastSampled) { voidSample(lastSampled); } });
  $("tube-close").addEventListener("click", function () { post(base + "/tube/close").then(after, unanswered); });
  Array.prototype.forEach.call(document.querySelectorAll("[data-mode]"), function (b) {
    b.addEventListener("click", function () { post(base + "/mode", { mode: b.getAttribute("data-mode") }).then(after, unanswered); });
  });
  $("medic-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    post(base + "/medic", { name: ev.target.medic.value }).then(after, unanswered);
  });

  /* --- the scan field --- */
  function scan(code) {
    code = (code || "").trim();
    if (!code) { return; }
    post(base + "/scan", { code: code }).then(function (r) {
      var e = NQ.errorOf(r);
      if (r.status >= 400) { result(errorText(r) + (e.number ? " (" + e.number + ")" : ""), false); return; }
      var b = r.body;
      if (b.kind === "tube") { result(fill(T.opened, { code: b.tube.code }), true); }
      if (b.kind === "ticket") {
        halves.selected = b.ticket.id;
        result("✓ " + T.checkedIn + " " + b.ticket.number + " · " + b.ticket.name + " · " + b.ticket.id_number, true);
      }
      if (b.kind === "document") {
        var form = $("walkin-form");
        halves.showTab("walkin");
        form.doc_type.value = b.doc_type; form.id_number.value = code.toUpperCase();
        result(fill(T.walkInFor, { id: b.id_number }), true);
        form.name.focus();
      }
      halves.refresh();
    }).catch(function () { result(S.network, false); });
  }
  $("scan").addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { ev.preventDefault(); var v = ev.target.value; ev.target.value = ""; scan(v); return; }
    if (!ev.target.value) { halves.shortcut(ev); }
  });
  // After a button press the field takes the focus back, ready for the next scan.
  function focusScan() {
    var el = document.activeElement, tag = el ? el.tagName : "BODY";
    // Without scrolling: on a phone the field may sit under the tab bar, the buttons must not move.
    if (!$("console").hidden && $("tube-full").hidden && (tag === "BODY" || tag === "BUTTON")) {
      $("scan").focus({ preventScroll: true });
    }
  }
  new MutationObserver(function () { if (!$("console").hidden) { $("scan").focus({ preventScroll: true }); loadTube(); } })
    .observe($("console"), { attributes: true, attributeFilter: ["hidden"] });
  document.addEventListener("click", function () { setTimeout(focusScan, 0); });

  $("camera-btn").addEventListener("click", function () {
    var view = $("camera-view");
    if (camera) { camera.stop().catch(function () {}); camera = null; view.hidden = true; return; }
    if (!window.Html5Qrcode) { result(T.cameraError, false); return; }
    view.hidden = false;
    camera = new window.Html5Qrcode("camera-view");
    camera.start({ facingMode: "environment" }, { fps: 10, qrbox: 220 }, function (text) {
      camera.stop().catch(function () {}); camera = null; view.hidden = true;
      scan(text);
    }).catch(function () { camera = null; view.hidden = true; result(T.cameraError, false); });
  });

  /* --- walk-in tickets, with a slip for a receipt printer --- */
  $("walkin-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var f = ev.target;
    var body = { name: f.name.value, doc_type: f.doc_type.value, id_number: f.id_number.value,
                 phone: f.phone.value || undefined, priority: f.priority.value || undefined,
                 single: f.single.checked ? "yellow_code" : undefined };
    post(base + "/walk-in", body).then(function (r) {
      if (r.status !== 201) {
        var fields = NQ.errorOf(r).fields || {};
        // Name the fields to fix by their labels, never by the API's keys.
        $("walkin-error").textContent = errorText(r) + " " + Object.keys(fields).map(function (k) {
          return T.fieldNames[k] || "";
        }).filter(Boolean).join("、");
        $("walkin-error").hidden = false;
        return;
      }
      $("walkin-error").hidden = true;
      f.reset();
      $("slip-number").textContent = r.body.number;
      $("slip-line").textContent = r.body.name + " · " + r.body.id_number;
      $("slip-time").textContent = fill(T.issuedAt, { t: new Date(r.body.created_ms).toLocaleString() });
      $("slip").hidden = false;
      document.body.classList.add("has-slip");
      halves.refresh();
    }).catch(function () { $("walkin-error").textContent = S.network; $("walkin-error").hidden = false; });
  });
  $("slip-print").addEventListener("click", function () { window.print(); });
  $("slip-close").addEventListener("click", function () {
    $("slip").hidden = true; document.body.classList.remove("has-slip");
    halves.showTab(null);  // the walk-in waits in line now: back to the buttons
    $("scan").focus({ preventScroll: true });
  });

  if (!$("console").hidden) { $("scan").focus({ preventScroll: true }); loadTube(); }
})();
