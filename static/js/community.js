/* The organizer's community page: coverage by building, live; the morning's chart; rounds and
 * their closing; the roster import; the sweep-team code; the call-up by building.
 *
 * Coverage events (Socket.IO, room of the community) are hints: the page refetches the
 * coverage, at most every half second, and again at each reconnection, so a lost event
 * never leaves a stale grid.
 */
(function () {
  "use strict";
  var $ = NQ.$, el = NQ.el, fill = NQ.fill, S = NQ.page.strings, community = NQ.page.community;
  var base = "/api/v1/communities/" + encodeURIComponent(community.id);
  var ROSTER_TIMEOUT_MS = 120000;
  var shown = null, picked = null, chart = null, slots = [], buildings = [];

  function message(text) { NQ.tell($("org-message"), text); }
  function failed(r) { message(NQ.errorOf(r).message || S.network); }
  function accounted(t) { return t.tested + t.exempt; }
  function state(t) {
    if (!t.people) { return "none"; }
    var share = accounted(t) / t.people;
    return share >= 1 ? "full" : share >= 0.9 ? "high" : share >= 0.5 ? "mid" : accounted(t) ? "low" : "none";
  }

  /* --- coverage ------------------------------------------------------------------------- */
  function roundQuery() { return picked ? "?round=" + picked : ""; }

  function loadCoverage() {
    return NQ.api("GET", base + "/coverage" + roundQuery()).then(function (r) {
      if (r.status === 401 || r.status === 403) { NQ.signedOut(); return; }
      if (r.status !== 200) { failed(r); return; }
      shown = r.body;
      renderRounds(); renderTotals(); renderGrid(); renderNotices();
    }, function () { /* the offline banner says it */ });
  }

  function renderRounds() {
    var pick = $("round-pick");
    if (pick.options.length !== shown.current_round) {
      pick.innerHTML = "";
      for (var n = shown.current_round; n >= 1; n -= 1) {
        var o = el("option", "", fill(S.roundN, { n: n }) + (n === shown.current_round ? " (" + S.current + ")" : ""));
        o.value = String(n); pick.appendChild(o);
      }
    }
    pick.value = String(shown.round);
    var parts = [shown.round_name, fill(S.started, { time: NQ.clock(shown.started_ms) })];
    if (shown.closed_ms) { parts.push(fill(S.closed, { time: NQ.clock(shown.closed_ms) })); }
    $("round-state").textContent = parts.filter(Boolean).join(" · ");
    $("report-link").href = "/organizer/communities/" + encodeURIComponent(community.id) + "/rounds/" + shown.round + "/report";
  }

  function renderTotals() {
    var t = shown.totals, box = $("totals"); box.innerHTML = "";
    var pct = t.people ? Math.round(100 * accounted(t) / t.people) : 0;
    [["covered", pct + "%"], ["people", t.people], ["tested", t.tested], ["exempt", t.exempt], ["home", t.home],
     ["untested", t.untested], ["unlisted", t.unlisted], ["pledged", t.pledged + " / " + t.households]]
      .forEach(function (kv) {
        var d = el("div"); d.setAttribute("data-kpi", kv[0]);
        d.appendChild(el("span", "k", S[kv[0]])); d.appendChild(el("strong", "", String(kv[1])));
        box.appendChild(d);
      });
  }

  function renderGrid() {
    var grid = $("grid"); grid.innerHTML = "";
    buildings = [];
    shown.compounds.forEach(function (c) {
      var row = el("div", "cov-compound");
      row.appendChild(el("h2", "", c.name + " · " + accounted(c.totals) + "/" + c.totals.people));
      var tiles = el("div", "cov-tiles");
      c.buildings.forEach(function (b) {
        buildings.push({ compound: c.name, building: b.name });
        var t = b.totals, tile = el("div", "bld");
        tile.setAttribute("data-state", state(t));
        tile.setAttribute("data-compound", c.name); tile.setAttribute("data-building", b.name);
        tile.appendChild(el("strong", "", b.name));
        tile.appendChild(el("span", "", fill(S.tile, { done: accounted(t), n: t.people })));
        if (t.home) { tile.appendChild(el("span", "home", S.home + " " + t.home)); }
        tile.title = [S.tested + " " + t.tested, S.exempt + " " + t.exempt, S.home + " " + t.home,
                      S.untested + " " + t.untested].join(" · ");
        tiles.appendChild(tile);
      });
      row.appendChild(tiles); grid.appendChild(row);
    });
  }

  function loadTimeline() {
    if (!window.Chart) { return; }
    NQ.api("GET", base + "/timeline" + roundQuery()).then(function (r) {
      if (r.status !== 200 || !shown) { return; }
      var people = shown.totals.people || 1;
      // From nothing at the round's start to where the counts are now (a running round).
      var points = [{ ms: shown.started_ms, tested: 0, exempt: 0 }].concat(r.body.points);
      if (!shown.closed_ms && shown.round === shown.current_round) {
        points.push({ ms: Date.now(), tested: shown.totals.tested, exempt: shown.totals.exempt });
      }
      var labels = points.map(function (p) { return NQ.clock(p.ms); });
      var tested = points.map(function (p) { return Math.round(1000 * p.tested / people) / 10; });
      var covered = points.map(function (p) { return Math.round(1000 * (p.tested + p.exempt) / people) / 10; });
      if (!chart) {
        chart = new Chart($("chart-coverage"), { type: "line", data: { labels: labels, datasets: [
          { label: S.chartTested, data: tested, borderColor: "#15803d", pointRadius: 2, stepped: true },
          { label: S.chartCovered, data: covered, borderColor: "#1d4ed8", pointRadius: 2, stepped: true }] },
          options: { animation: false, maintainAspectRatio: false, scales: { y: { min: 0, max: 100 } } } });
      } else {
        chart.data.labels = labels; chart.data.datasets[0].data = tested; chart.data.datasets[1].data = covered;
        chart.update();
      }
    }, function () { /* next change */ });
  }

  var soon = null;
  function refreshSoon() {
    if (soon) { return; }
    soon = setTimeout(function () { soon = null; loadCoverage().then(loadTimeline); }, 500);
  }

  $("round-pick").addEventListener("change", function () {
    picked = Number($("round-pick").value);
    if (shown && picked === shown.current_round) { picked = null; }
    loadCoverage().then(loadTimeline);
  });

  /* --- rounds and closing ----------------------------------------------------------------- */
  $("round-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (!window.confirm(S.confirmRound)) { return; }
    NQ.api("POST", base + "/rounds", { name: ev.target.elements.namedItem("name").value }, { key: true }).then(function (r) {
      if (r.status !== 201) { failed(r); return; }
      ev.target.reset(); picked = null; $("left").hidden = true; message("");
      loadCoverage().then(loadTimeline);
    }, function () { message(S.network); });
  });

  function close(body) {
    var n = shown ? shown.round : 1;
    NQ.api("POST", base + "/rounds/" + n + "/close", body, { key: true }).then(function (r) {
      if (r.status === 409 && NQ.errorOf(r).code === "not_accounted") {
        var rows = $("left-rows"); rows.innerHTML = "";
        NQ.errorOf(r).buildings.forEach(function (b) {
          var tr = el("tr");
          tr.appendChild(el("td", "", b.compound + " " + b.building));
          tr.appendChild(el("td", "", String(b.untested))); tr.appendChild(el("td", "", String(b.home)));
          rows.appendChild(tr);
        });
        $("left").hidden = false; message("");
        return;
      }
      if (r.status !== 200) { failed(r); return; }
      $("left").hidden = true; message(S.closedOk);
      loadCoverage();
    }, function () { message(S.network); });
  }
  $("close-round").addEventListener("click", function () { close({}); });
  $("force-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var reason = ev.target.elements.namedItem("reason").value.trim();
    if (!reason) { message(S.reasonNeeded); return; }
    close({ force: true, reason: reason });
  });

  /* --- the roster ------------------------------------------------------------------------ */
  $("roster-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var file = ev.target.elements.namedItem("file").files[0];
    if (!file) { message(S.chooseFile); return; }
    // A form's types (a .txt file is text/plain) are refused from any page: a roster goes as CSV.
    var type = !file.type || /^(text\/plain|multipart\/|application\/x-www-form)/.test(file.type) ? "text/csv" : file.type;
    // A large file on a slow line takes longer than a JSON call: a longer wait before "no answer".
    NQ.api("PUT", base + "/roster", file, { type: type, key: true, timeout: ROSTER_TIMEOUT_MS })
      .then(function (r) {
        if (r.status !== 200) { failed(r); return; }
        var b = r.body;
        $("roster-result").textContent = fill(S.imported, { people: b.people, households: b.households, added: b.added,
          updated: b.updated, unchanged: b.unchanged, rejected: b.rejected.length });
        $("roster-result").hidden = false; message("");
        var rows = $("rejected-rows"); rows.innerHTML = "";
        b.rejected.forEach(function (x) {
          var tr = el("tr");
          tr.appendChild(el("td", "", String(x.row))); tr.appendChild(el("td", "", S.columns[x.field] || x.field));
          tr.appendChild(el("td", "", S.codes[x.code] || x.code)); rows.appendChild(tr);
        });
        $("rejected").hidden = !b.rejected.length;
        loadCoverage();
      }, function () { message(S.network); });
  });

  /* --- sweep teams ----------------------------------------------------------------------- */
  $("sweep-code").addEventListener("click", function () {
    NQ.api("POST", base + "/sweep-code").then(function (r) {
      if (r.status !== 200) { failed(r); return; }
      $("sweep-code-shown").textContent = r.body.code; $("sweep-code-shown").hidden = false;
    }, function () { message(S.network); });
  });

  /* --- call-up --------------------------------------------------------------------------- */
  function loadCallup() {
    NQ.api("GET", base + "/callup").then(function (r) {
      if (r.status !== 200) { return; }
      slots = r.body.slots; renderSlots(); renderNotices();
    }, function () { /* next load */ });
  }
  function bkey(b) { return b.compound + "\u001f" + b.building; }
  function renderSlots() {
    var body = $("slots"); body.innerHTML = "";
    slots.forEach(function (slot, i) {
      var tr = el("tr"), td;
      var site = el("select"); site.name = "site";
      NQ.page.sites.forEach(function (s) { var o = el("option", "", s.name); o.value = s.id; site.appendChild(o); });
      site.value = slot.site || (NQ.page.sites[0] || {}).id || "";
      td = el("td"); td.appendChild(site); tr.appendChild(td);
      ["from", "to"].forEach(function (end) {
        var input = el("input"); input.type = "time"; input.name = end; input.value = slot[end] || "";
        td = el("td"); td.appendChild(input); tr.appendChild(td);
      });
      var pick = el("select"); pick.multiple = true; pick.size = 5; pick.name = "buildings";
      var chosen = {};
      (slot.buildings || []).forEach(function (b) { chosen[bkey(b)] = true; });
      buildings.forEach(function (b) {
        var o = el("option", "", b.compound + " " + b.building); o.value = bkey(b); o.selected = !!chosen[bkey(b)];
        pick.appendChild(o);
      });
      td = el("td"); td.appendChild(pick); tr.appendChild(td);
      var drop = el("button", "small-btn", S.remove); drop.type = "button";
      drop.addEventListener("click", function () { read(); slots.splice(i, 1); renderSlots(); });
      td = el("td"); td.appendChild(drop); tr.appendChild(td);
      body.appendChild(tr);
    });
  }
  function read() {
    slots = Array.prototype.map.call($("slots").children, function (tr) {
      var q = function (name) { return tr.querySelector("[name=" + name + "]"); };
      return { site: q("site").value, from: q("from").value, to: q("to").value,
               buildings: Array.prototype.filter.call(q("buildings").options, function (o) { return o.selected; })
                 .map(function (o) { var p = o.value.split("\u001f"); return { compound: p[0], building: p[1] }; }) };
    });
    return slots;
  }
  $("slot-add").addEventListener("click", function () { read(); slots.push({ buildings: [] }); renderSlots(); });
  $("slot-save").addEventListener("click", function () {
    NQ.api("PUT", base + "/callup", { slots: read() }, { key: true }).then(function (r) {
      if (r.status !== 200) { message(NQ.errorLine(r, S.network)); return; }
      slots = r.body.slots; renderSlots(); renderNotices(); message(S.saved);
    }, function () { message(S.network); });
  });
  function renderNotices() {
    var box = $("notices"); box.innerHTML = "";
    var seen = {};
    slots.forEach(function (slot) {
      slot.buildings.forEach(function (b) {
        if (seen[bkey(b)]) { return; }
        seen[bkey(b)] = true;
        var a = el("a", "", b.compound + " " + b.building);
        a.href = "/communities/" + encodeURIComponent(community.id) + "/notice?compound=" +
          encodeURIComponent(b.compound) + "&building=" + encodeURIComponent(b.building);
        a.target = "_blank"; box.appendChild(a); box.appendChild(document.createTextNode(" "));
      });
    });
  }

  /* --- live ----------------------------------------------------------------------------- */
  var socket = NQ.connect();
  function watch() {
    socket.emit("watch_community", { community: community.id }, function (ack) {
      if (ack && ack.ok) { document.body.setAttribute("data-live", "1"); refreshSoon(); }
    });
  }
  socket.on("connect", watch);
  socket.on("coverage", function (e) { if (e.community === community.id) { refreshSoon(); } });

  function loadAll() {
    loadCoverage().then(function () { loadTimeline(); loadCallup(); });
  }
  NQ.signedIn = function () {
    // The socket's handshake went without the cookie just set: a new one carries it.
    socket.disconnect(); socket.connect();
    loadAll();
  };
  if (!$("console").hidden) { loadAll(); }
})();
