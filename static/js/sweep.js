/* A sweep team's phone: pick a building, knock on the doors still untested, record what each
 * door answered, exemptions and pledges.
 *
 * Stairwells have no signal. Every knock, exemption and pledge goes into an outbox kept on
 * this phone (localStorage) with its own Idempotency-Key, and is sent from there, in order,
 * now or when the network is back: a resend carries the same key, so the server records it
 * exactly once (as the station console does with its marks, static/js/station.js). What is in
 * the outbox already shows on the page, and the last list of each building is kept too, so a
 * reload in a stairwell still shows the doors.
 *
 * The list follows the community's coverage events: someone sampled at a site drops off it.
 */
(function () {
  "use strict";
  var $ = NQ.$, el = NQ.el, fill = NQ.fill, S = NQ.page.strings, community = NQ.page.community;
  var base = "/api/v1/communities/" + encodeURIComponent(community.id);
  var store = "natq:sweep:" + community.id + ":";
  var place = NQ.load(store + "place", { compound: "", building: "" });
  var buildings = [], doors = null, flushing = false, memory = NQ.load(store + "outbox", []);
  // Bumped at each sign-in: an answer to a request sent before it (no cookie yet) may come
  // back 401 after it, and must not sign the team out again.
  var signIns = 0;

  function message(text) { NQ.tell($("sweep-message"), text); }
  function signedOut(sentAt) {
    if (sentAt !== undefined && sentAt !== signIns) { return; }
    $("signin").hidden = false; $("console").hidden = true;
  }
  function signedIn() { return !$("console").hidden; }
  function placeKey() { return place.compound + "|" + place.building; }

  /* --- the outbox -------------------------------------------------------------------------- */
  function outbox() { return NQ.load(store + "outbox", memory); }
  function saveOutbox(list) { memory = list; NQ.store(store + "outbox", list); renderOutbox(); }
  function renderOutbox() {
    var n = outbox().length;
    $("outbox").textContent = n ? fill(S.outbox, { n: n }) : "";
    $("outbox").hidden = !n;
  }
  // item: {key, url, body, what, kind, hid, pid}: sent as POST url with body, Idempotency-Key key.
  function send(item) {
    saveOutbox(outbox().concat([item]));
    render();
    flush();
  }
  function flush() {
    var list = outbox();
    if (flushing || !list.length) { return; }
    flushing = true;
    var item = list[0], sentAt = signIns;
    NQ.api("POST", item.url, item.body, { key: item.key }).then(function (r) {
      flushing = false;
      if (r.status === 401 || r.status === 403) { signedOut(sentAt); return; }  // kept: sent once the team signs in again
      if (r.status >= 500) { setTimeout(flush, 5000); return; }  // kept: the server will take it later
      saveOutbox(outbox().filter(function (x) { return x.key !== item.key; }));
      if (!r.ok) { message(fill(S.refused, { what: item.what, message: NQ.errorOf(r).message || r.status })); }
      if (!outbox().length) { loadSoon(); }
      flush();
    }, function () {
      flushing = false;
      message(S.kept);
      setTimeout(flush, 5000);
    });
  }

  /* --- what the list shows: the server's, with what is still in the outbox on top ---------- */
  function withPending(list) {
    var pending = outbox();
    return list.map(function (h) {
      var copy = JSON.parse(JSON.stringify(h));
      pending.forEach(function (item) {
        if (item.hid === h.id && item.kind === "visit") {
          copy.visits.push({ outcome: item.body.outcome, note: item.body.note, ts: item.ts, pending: true });
          if (item.body.outcome === "home_sample") {
            copy.people.forEach(function (p) { if (p.status === "untested") { p.status = "home"; } });
          }
        }
        if (item.hid === h.id && item.kind === "pledge") { copy.pledged = item.body.signed; }
        copy.people.forEach(function (p) {
          if (item.kind === "exempt" && item.pid === p.id && p.status !== "tested") { p.status = "exempt"; }
        });
      });
      return copy;
    });
  }

  /* The list is drawn again whenever the counts move; what the team is typing stays: the
   * notes of each door and an exemption form left open (and where the cursor was). */
  function typed() {
    var kept = { notes: {}, exempt: null, focus: null };
    Array.prototype.forEach.call(document.querySelectorAll("#doors .door"), function (card) {
      kept.notes[card.getAttribute("data-household")] = card.querySelector(".note").value;
    });
    var form = document.querySelector("#doors .exempt-form");
    if (form) {
      kept.exempt = { pid: form.previousElementSibling.getAttribute("data-person"),
                      reason: form.elements.namedItem("reason").value, note: form.elements.namedItem("note").value };
    }
    var active = document.activeElement;
    if (active && active.closest && active.closest("#doors") && active.tagName !== "BUTTON") {
      var card = active.closest(".door");
      kept.focus = { hid: card && card.getAttribute("data-household"), inForm: !!active.closest(".exempt-form"),
                     name: active.name || "" };
    }
    return kept;
  }

  function render() {
    var kept = typed();
    var box = $("doors"); box.innerHTML = "";
    if (!doors) { return; }
    var shown = withPending(doors);
    $("all-done").hidden = shown.some(function (h) {
      return h.people.some(function (p) { return p.status === "untested"; });
    });
    shown.forEach(function (h) { box.appendChild(door(h)); });
    Array.prototype.forEach.call(box.querySelectorAll(".door"), function (card) {
      card.querySelector(".note").value = kept.notes[card.getAttribute("data-household")] || "";
    });
    var form = null;
    if (kept.exempt) {
      var open = box.querySelector('[data-person="' + kept.exempt.pid + '"] button');
      if (open) {
        open.click();
        form = box.querySelector(".exempt-form");
        form.elements.namedItem("reason").value = kept.exempt.reason;
        form.elements.namedItem("note").value = kept.exempt.note;
      }
    }
    var f = kept.focus;
    if (f && f.inForm && form && f.name) { form.elements.namedItem(f.name).focus(); }
    if (f && !f.inForm && f.hid) {
      var card = box.querySelector('[data-household="' + f.hid + '"]');
      if (card) { card.querySelector(".note").focus(); }
    }
  }

  function door(h) {
    var card = $("door-template").content.firstElementChild.cloneNode(true);
    card.setAttribute("data-household", h.id);
    if (h.visits.length) { card.classList.add("knocked"); }
    card.querySelector(".room").textContent = [h.unit, h.room].filter(Boolean).join(" ");
    var flags = card.querySelector(".flags");
    h.flags.forEach(function (f) { flags.appendChild(el("span", "flag", S.flags[f] || f)); });
    var people = card.querySelector(".people");
    h.people.forEach(function (p) { people.appendChild(person(h, p)); });
    var pledge = card.querySelector(".pledge-box");
    pledge.checked = !!h.pledged;
    pledge.addEventListener("change", function () {
      send({ key: NQ.newKey(), kind: "pledge", hid: h.id, what: h.room, url: base + "/households/" +
             encodeURIComponent(h.id) + "/pledge", body: { signed: pledge.checked }, ts: Date.now() });
    });
    Array.prototype.forEach.call(card.querySelectorAll("[data-outcome]"), function (b) {
      b.addEventListener("click", function () {
        var outcome = b.getAttribute("data-outcome"), note = card.querySelector(".note").value.trim();
        card.querySelector(".note").value = "";  // said with this knock, not the next
        send({ key: NQ.newKey(), kind: "visit", hid: h.id, what: h.room + " " + S.outcomes[outcome],
               url: base + "/households/" + encodeURIComponent(h.id) + "/visits",
               body: { outcome: outcome, note: note }, ts: Date.now() });
      });
    });
    card.querySelector(".visits").textContent = h.visits.map(function (v) {
      return NQ.clock(v.ts) + " " + (S.outcomes[v.outcome] || v.outcome) + (v.note ? " " + v.note : "") +
        (v.pending ? " (" + S.pending + ")" : v.team ? " · " + v.team : "");
    }).join("；");
    return card;
  }

  function person(h, p) {
    var li = el("li", "who");
    li.setAttribute("data-person", p.id);
    var who = el("span", "", p.name + (p.phone ? " · " + p.phone : ""));
    p.flags.forEach(function (f) { who.appendChild(el("span", "flag", S.flags[f] || f)); });
    li.appendChild(who);
    var status = el("span", "status", S.statuses[p.status] || p.status);
    status.setAttribute("data-status", p.status);
    li.appendChild(status);
    if (p.status === "untested" || p.status === "home") {
      var b = el("button", "", S.exempt); b.type = "button";
      b.addEventListener("click", function () { exemptForm(li, h, p); });
      li.appendChild(b);
    }
    return li;
  }

  function exemptForm(li, h, p) {
    if (li.nextElementSibling && li.nextElementSibling.tagName === "FORM") { return; }
    var form = $("exempt-template").content.firstElementChild.cloneNode(true);
    form.querySelector(".cancel").addEventListener("click", function () { form.remove(); });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var reason = form.elements.namedItem("reason").value, note = form.elements.namedItem("note").value.trim();
      if (reason === "other" && !note) { message(S.noteNeeded); return; }
      message("");
      form.remove();  // recorded: the list drawn again must not bring the form back
      send({ key: NQ.newKey(), kind: "exempt", hid: h.id, pid: p.id, what: p.name + " " + S.exempt,
             url: base + "/people/" + encodeURIComponent(p.id) + "/exempt", body: { reason: reason, note: note },
             ts: Date.now() });
    });
    li.parentNode.insertBefore(form, li.nextSibling);
  }

  /* --- buildings and doors ------------------------------------------------------------------ */
  function loadBuildings() {
    var sentAt = signIns;
    return NQ.api("GET", base + "/sweep/buildings").then(function (r) {
      if (r.status === 401 || r.status === 403) { signedOut(sentAt); return; }
      if (r.status !== 200) { return; }
      buildings = r.body.buildings;
      NQ.store(store + "buildings", buildings);
      renderPicker();
    }, function () { buildings = NQ.load(store + "buildings", []); renderPicker(); });
  }

  function renderPicker() {
    var compounds = [];
    buildings.forEach(function (b) { if (compounds.indexOf(b.compound) < 0) { compounds.push(b.compound); } });
    if (compounds.indexOf(place.compound) < 0) { place = { compound: compounds[0] || "", building: "" }; }
    var select = $("compound");
    if (select.options.length !== compounds.length) {
      select.innerHTML = "";
      compounds.forEach(function (c) { var o = el("option", "", c); o.value = c; select.appendChild(o); });
    }
    select.value = place.compound;
    var box = $("buildings"); box.innerHTML = "";
    buildings.filter(function (b) { return b.compound === place.compound; }).forEach(function (b) {
      var button = el("button", "", b.building); button.type = "button";
      button.setAttribute("data-building", b.building);
      button.setAttribute("aria-pressed", String(b.building === place.building));
      button.appendChild(el("span", "left", fill(S.left, { n: b.untested })));
      button.addEventListener("click", function () { pick(b.building); });
      box.appendChild(button);
    });
  }

  function pick(building) {
    place = { compound: place.compound, building: building };
    NQ.store(store + "place", place);
    renderPicker();
    loadDoors();
  }
  $("compound").addEventListener("change", function () {
    place = { compound: $("compound").value, building: "" };
    NQ.store(store + "place", place);
    doors = null; render(); renderPicker();
  });

  function loadDoors() {
    if (!place.building) { doors = null; render(); return Promise.resolve(); }
    var asked = placeKey(), sentAt = signIns;
    var query = "?compound=" + encodeURIComponent(place.compound) + "&building=" + encodeURIComponent(place.building);
    return NQ.api("GET", base + "/sweep" + query).then(function (r) {
      if (r.status === 401 || r.status === 403) { signedOut(sentAt); return; }
      if (r.status !== 200 || asked !== placeKey()) { return; }
      doors = r.body.households;
      NQ.store(store + "list:" + asked, doors);
      render();
    }, function () {  // no signal: the list this phone saw last
      if (asked === placeKey()) { doors = NQ.load(store + "list:" + asked, null); render(); }
    });
  }

  var soon = null;
  function loadSoon() {
    if (soon || !signedIn()) { return; }
    soon = setTimeout(function () { soon = null; loadDoors(); loadBuildings(); }, 300);
  }

  /* --- sign-in and live ------------------------------------------------------------------ */
  $("signin-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var f = ev.target.elements;
    NQ.api("POST", "/api/v1/auth/sweep", { community: community.id, code: f.namedItem("code").value,
                                           team: f.namedItem("team").value }).then(function (r) {
      if (r.status !== 200) {
        $("signin-error").textContent = NQ.errorOf(r).message || S.wrongCode; $("signin-error").hidden = false; return;
      }
      signIns += 1;
      f.namedItem("code").blur(); ev.target.reset();
      $("signin").hidden = true; $("console").hidden = false; $("signin-error").hidden = true;
      socket.disconnect(); socket.connect();  // a handshake that carries the new cookie
      start();
    }, function () { $("signin-error").textContent = S.network; $("signin-error").hidden = false; });
  });
  $("signout").addEventListener("click", function () {
    function out() { signedOut(); }
    NQ.api("POST", "/api/v1/auth/sweep/sign-out").then(out, out);
  });

  var socket = NQ.connect();
  function watch() {
    socket.emit("watch_community", { community: community.id }, function (ack) {
      if (ack && ack.ok) { document.body.setAttribute("data-live", "1"); }
    });
  }
  socket.on("connect", function () { if (signedIn()) { watch(); flush(); loadSoon(); } });
  socket.on("coverage", function (e) {
    var mine = e.changes.some(function (c) {
      return !c.building || (c.compound === place.compound && c.building === place.building);
    });
    if (mine) { loadSoon(); }
  });
  window.addEventListener("online", function () { if (signedIn()) { flush(); } });

  function start() {
    renderOutbox();
    loadBuildings().then(loadDoors);
    flush();
  }
  if (!$("console").hidden) { start(); }
})();
