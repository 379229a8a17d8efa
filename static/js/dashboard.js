/* The organizer's dashboard: every site's figures, pushed live over Socket.IO.
 *
 * No polling: the server answers watch_dashboard with each site's figures and
 * then pushes a "stats" event per site whenever something changed there
 * (coalesced to a few per second at most). Each push replaces that site's card.
 */
(function () {
  "use strict";
  var $ = NQ.$, el = NQ.el, fill = NQ.fill, S = NQ.page.strings;
  var cards = {}, charts = {}, latest = {};

  function mins(seconds) { return NQ.duration(seconds); }
  function secs(seconds) { return NQ.duration(seconds, true); }  // one person's stage time
  // The site's clock, like the charts' quarter hours, whatever zone this laptop is set to.
  function siteTime(ms, zone) {
    try { return new Date(ms).toLocaleTimeString(undefined, { timeZone: zone, hour12: false }); }
    catch (_e) { return new Date(ms).toLocaleTimeString(); }
  }

  // In the 1+2+4 order (medic first), whatever order the JSON kept.
  function gapsText(gaps) {
    return Object.keys(S.roles).filter(function (r) { return gaps[r]; })
      .map(function (r) { return S.roles[r] + " −" + gaps[r]; }).join(", ");
  }

  // One plain sentence from the site's foresight: open a station by when, or all is well.
  function hhmm(t) { return String(t || "").replace(/^0(\d)/, "$1"); }
  function foresightText(f) {
    var F = S.foresight;
    if (!f || f.status === "unknown") { return F.unknown; }
    var v = { n: f.more, time: hhmm(f.open_by), at: hhmm(f.breach_at), target: mins(f.target_s) };
    if (f.status === "ok") { return fill(F.ok, v); }
    if (f.more === null || f.more === undefined) { return fill(F.all, v); }
    var one = f.more === 1;
    return fill(f.open_now ? (one ? F.nowOne : F.nowMore) : (one ? F.byOne : F.byMore), v);
  }

  function renderForesight(node, stats) {
    var line = node.querySelector(".foresight"), f = stats.foresight;
    line.hidden = !f;
    if (!f) { return; }
    line.textContent = foresightText(f);
    line.setAttribute("data-status", f.status);
  }

  function alertText(a) {
    var d = a.detail || {};
    if (a.kind === "foresight") { return foresightText({ status: "act", more: d.more, open_by: d.open_by,
                                                         open_now: d.open_now, breach_at: d.breach_at, target_s: d.target_s }); }
    if (a.kind === "paused") {
      return d.reason ? fill(S.alerts.paused, { station: a.station, reason: S.reasons[d.reason] || d.reason })
        : fill(S.alerts.pausedNoReason, { station: a.station });
    }
    if (a.kind === "understaffed") { return fill(S.alerts.understaffed, { station: a.station, gaps: gapsText(d.gaps || {}) }); }
    // The wait as every other figure says it (an alert stored before seconds were kept: its minutes).
    var wait = NQ.duration(d.seconds !== undefined ? d.seconds : d.minutes * 60);
    return fill(S.alerts[a.kind] || a.kind, { number: d.number, wait: wait });
  }

  function adviceText(b) {
    if (!b || !b.advice) { return S.none; }
    var idle = b.medic_idle === null || b.medic_idle === undefined ? 0 : b.medic_idle;
    return fill(S.advice[b.advice] || b.advice, { idle: Math.round(idle * 100), busy: Math.round((1 - idle) * 100) });
  }

  function acknowledge(siteId, alertId) {
    // The answer comes back as a "stats" push, like every other change.
    NQ.api("POST", "/api/v1/sites/" + encodeURIComponent(siteId) + "/alerts/" + encodeURIComponent(alertId) + "/ack")
      .catch(function () { /* the offline banner says it */ });
  }

  function card(siteId) {
    if (cards[siteId]) { return cards[siteId]; }
    var node = $("site-template").content.firstElementChild.cloneNode(true);
    node.setAttribute("data-site", siteId);
    node.id = "site-" + siteId;  // the district table's links lead here
    $("dash-sites").appendChild(node);
    cards[siteId] = node;
    return node;
  }

  function staffCell(st) {
    var td = el("td", "staff");
    var std = st.staffing.standard, on = st.staffing.on_duty;
    Object.keys(S.roles).forEach(function (role) {
      var short = on[role] < std[role];
      var span = el("span", short ? "role gap" : "role", (S.roles[role] || role) + " " + on[role] + "/" + std[role]);
      td.appendChild(span);
    });
    return td;
  }

  function renderStations(node, stats) {
    var body = node.querySelector("tbody");
    body.innerHTML = "";
    stats.stations.forEach(function (st) {
      var tr = el("tr");
      tr.setAttribute("data-station", st.number);
      tr.className = "st-" + st.status;
      tr.appendChild(el("td", "num", String(st.number)));
      var status = S.statuses[st.status] || st.status;
      if (st.reason) { status += " · " + (S.reasons[st.reason] || st.reason); }
      tr.appendChild(el("td", "status", status));
      // Who is at the station now (called, not yet sampled or passed), never a number already done.
      tr.appendChild(el("td", "serving-now", st.serving_numbers.length ? st.serving_numbers.join(" ") : S.none));
      tr.appendChild(el("td", "throughput", st.per_hour_15 + " / " + st.per_hour_60));
      tr.appendChild(el("td", "today", String(st.today)));
      tr.appendChild(el("td", st.untubed ? "untubed bad" : "untubed", String(st.untubed)));
      tr.appendChild(staffCell(st));
      tr.appendChild(el("td", "", secs(st.stages.walk_up_s)));
      tr.appendChild(el("td", "", secs(st.stages.entry_s)));
      tr.appendChild(el("td", "", secs(st.stages.swab_s)));
      tr.appendChild(el("td", "advice", adviceText(st.bottleneck)));
      body.appendChild(tr);
    });
  }

  function renderAlerts(node, stats) {
    var list = node.querySelector(".alerts");
    list.innerHTML = "";
    stats.alerts.forEach(function (a) {
      var li = el("li", "alert" + (a.active ? "" : " cleared") + (a.acked_ms ? " acked" : ""));
      li.setAttribute("data-alert", a.id);
      li.appendChild(el("span", "", alertText(a) + (a.active ? "" : " (" + S.cleared + ")") +
                                     (a.acked_ms ? " · " + S.acknowledged : "")));
      if (!a.acked_ms) {
        var b = el("button", "small-btn", S.acknowledge);
        b.type = "button";
        b.addEventListener("click", function () { acknowledge(stats.site_id, a.id); });
        li.appendChild(b);
      }
      list.appendChild(li);
    });
  }

  // Calm, not an alarm: what the site still has to set up (a roster, before the first shift).
  function renderNotices(node, stats) {
    var list = node.querySelector(".notices");
    list.innerHTML = "";
    (stats.notices || []).forEach(function (n) {
      var li = el("li", "notice-calm", S.notices[n.kind] || n.kind);
      li.setAttribute("data-notice", n.kind);
      list.appendChild(li);
    });
  }

  function renderCharts(node, stats) {
    if (!window.Chart) { return; }
    var c = stats.chart, existing = charts[stats.site_id];
    if (existing) {
      existing.t.data.labels = c.labels; existing.t.data.datasets[0].data = c.per_hour; existing.t.update("none");
      existing.w.data.labels = c.labels; existing.w.data.datasets[0].data = c.avg_wait_min;
      existing.w.data.datasets[1].data = c.max_wait_min; existing.w.update("none");
      return;
    }
    // Each chart says what it shows and in which units, on both axes.
    function options(title, yTitle) {
      return { animation: false, responsive: true, maintainAspectRatio: false,
               scales: { x: { title: { display: true, text: S.axisTime } },
                         y: { beginAtZero: true, title: { display: true, text: yTitle } } },
               plugins: { title: { display: true, text: title, font: { size: 15 } }, legend: { position: "bottom" } } };
    }
    charts[stats.site_id] = {
      t: new Chart(node.querySelector(".chart-throughput"), {
        type: "bar", options: options(S.chartThroughputTitle, S.axisPerHour), data: {
        labels: c.labels, datasets: [{ label: S.chartThroughput, data: c.per_hour, backgroundColor: "#0b6e4f" }] } }),
      w: new Chart(node.querySelector(".chart-waits"), {
        type: "line", options: options(S.chartWaitsTitle, S.axisMinutes), data: {
        labels: c.labels, datasets: [
          { label: S.chartAvg, data: c.avg_wait_min, borderColor: "#1d4ed8", spanGaps: true },
          { label: S.chartMax, data: c.max_wait_min, borderColor: "#b91c1c", spanGaps: true }] } })
    };
  }

  function render(stats) {
    var node = card(stats.site_id);
    node.querySelector(".dash-name").textContent = stats.name;
    var band = node.querySelector(".band");
    band.textContent = S.bands[stats.band];
    band.className = "band band-" + stats.band;
    node.setAttribute("data-band", stats.band);
    var f = {
      waiting: String(stats.waiting), eta: mins(stats.eta_join_s),
      longest: mins(stats.waits.longest_s) + (stats.waits.longest_number ? " · " + stats.waits.longest_number : ""),
      ph15: String(stats.throughput.per_hour_15), ph60: String(stats.throughput.per_hour_60),
      today: String(stats.throughput.today), avg: mins(stats.waits.avg_s), p90: mins(stats.waits.p90_s),
      max: mins(stats.waits.max_s), untubed: String(stats.throughput.untubed || 0)
    };
    Object.keys(f).forEach(function (k) { node.querySelector('[data-f="' + k + '"]').textContent = f[k]; });
    node.querySelector("[data-untubed]").classList.toggle("bad", !!stats.throughput.untubed);
    renderNotices(node, stats);
    renderForesight(node, stats);
    renderAlerts(node, stats);
    renderStations(node, stats);
    renderCharts(node, stats);
    latest[stats.site_id] = stats;
    reorder();
    district.soon();
    $("dash-updated").textContent = fill(S.updated, { t: siteTime(stats.now_ms, stats.timezone) });
  }

  // The worst site first: congested, busy, flowing; then the longest estimate, then the longest wait.
  var RANK = { flowing: 0, busy: 1, congested: 2 };
  function worse(a, b) {
    return (RANK[b.band] - RANK[a.band]) || ((b.eta_join_s || 0) - (a.eta_join_s || 0)) ||
      ((b.waits.longest_s || 0) - (a.waits.longest_s || 0)) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  }
  function reorder() {
    var box = $("dash-sites"), nodes = Array.prototype.slice.call(box.children);
    var sorted = nodes.slice().sort(function (a, b) {
      return worse(latest[a.getAttribute("data-site")], latest[b.getAttribute("data-site")]);
    });
    if (sorted.some(function (n, i) { return n !== nodes[i]; })) {
      sorted.forEach(function (n) { box.appendChild(n); });
    }
  }

  /* The district's table: one row per site above the cards, worst first; a header sorts by
   * its column (again: the other way), a row leads to the site's card. Redrawn at most every
   * quarter second, whatever number of sites pushes at once. */
  var district = (function () {
    var table = $("district-table"), by = "band", descending = true, timer = null;
    var KEYS = {
      name: function (s) { return s.name; },
      band: null,  // the worst-first order itself
      waiting: function (s) { return s.waiting; },
      longest: function (s) { return s.waits.longest_s || 0; },
      p90: function (s) { return s.waits.p90_s || 0; },
      throughput: function (s) { return s.throughput.per_hour_15; },
      open: function (s) { return openCount(s); },
      alerts: function (s) { return activeAlerts(s); }
    };
    function openCount(s) { return s.stations.filter(function (st) { return st.status === "open"; }).length; }
    function activeAlerts(s) { return s.alerts.filter(function (a) { return a.active && !a.acked_ms; }).length; }
    function order(a, b) {
      var key = KEYS[by], diff;
      if (!key) { diff = -worse(a, b); }
      else {
        var x = key(a), y = key(b);
        diff = typeof x === "string" ? x.localeCompare(y, document.documentElement.lang) : x - y;
      }
      return (descending ? -diff : diff) || worse(a, b);
    }
    function cell(tr, text, cls) { tr.appendChild(el("td", cls || "", text)); }
    function draw() {
      timer = null;
      var sites = Object.keys(latest).map(function (id) { return latest[id]; }).sort(order);
      var body = table.querySelector("tbody");
      body.innerHTML = "";
      sites.forEach(function (s) {
        var tr = el("tr");
        tr.setAttribute("data-site", s.site_id);
        tr.setAttribute("data-band", s.band);
        var name = el("td", "name"), link = el("a", "", s.name);
        link.href = "#site-" + s.site_id;
        name.appendChild(link); tr.appendChild(name);
        var band = el("td"); band.appendChild(el("span", "band band-" + s.band, S.bands[s.band])); tr.appendChild(band);
        cell(tr, String(s.waiting), "waiting");
        cell(tr, mins(s.waits.longest_s), "longest");
        cell(tr, mins(s.waits.p90_s), "p90");
        cell(tr, String(s.throughput.per_hour_15), "throughput");
        cell(tr, fill(S.openOf, { open: openCount(s), all: s.stations.length }), "open");
        var alerts = activeAlerts(s);
        cell(tr, String(alerts), alerts ? "alerts bad" : "alerts");
        tr.addEventListener("click", function (ev) {
          if (ev.target.tagName !== "A") { location.hash = "site-" + s.site_id; }
        });
        body.appendChild(tr);
      });
      Array.prototype.forEach.call(table.querySelectorAll("th[data-sort]"), function (th) {
        var mine = th.getAttribute("data-sort") === by;
        if (mine) { th.setAttribute("aria-sort", descending ? "descending" : "ascending"); }
        else { th.removeAttribute("aria-sort"); }
      });
      $("district").hidden = sites.length < 2;  // one site: its card says it all
    }
    Array.prototype.forEach.call(table.querySelectorAll("th[data-sort]"), function (th) {
      th.querySelector("button").addEventListener("click", function () {
        var name = th.getAttribute("data-sort");
        descending = name === by ? !descending : name !== "name";
        by = name;
        draw();
      });
    });
    return { soon: function () { if (!timer) { timer = setTimeout(draw, 250); } } };
  })();

  var socket = NQ.connect();
  function watch() {
    socket.emit("watch_dashboard", NQ.page.siteIds ? { site_ids: NQ.page.siteIds } : {}, function (answer) {
      if (answer && answer.ok) { answer.sites.forEach(render); }
      else if (answer && answer.error && answer.error.code === "forbidden") { location.reload(); }
    });
  }
  socket.on("connect", watch);
  // A site created while this page is open: watching again takes it in, with its figures.
  socket.on("site_added", watch);
  socket.on("stats", render);
})();
