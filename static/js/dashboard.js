/* The organizer's dashboard: every site's figures, pushed live over Socket.IO.
 *
 * No polling: the server answers watch_dashboard with each site's figures and
 * then pushes a "stats" event per site whenever something changed there
 * (coalesced to a few per second at most). Each push replaces that site's card.
 */
(function () {
  "use strict";
  var $ = NQ.$, fill = NQ.fill, S = NQ.page.strings;
  var cards = {}, charts = {};

  function mins(seconds) {
    if (seconds === null || seconds === undefined) { return S.none; }
    return fill(S.minutes, { n: Math.round(seconds / 6) / 10 });
  }
  function secs(seconds) {
    return seconds === null || seconds === undefined ? S.none : fill(S.seconds, { n: Math.round(seconds) });
  }
  // The site's clock, like the charts' quarter hours, whatever zone this laptop is set to.
  function siteTime(ms, zone) {
    try { return new Date(ms).toLocaleTimeString(undefined, { timeZone: zone, hour12: false }); }
    catch (_e) { return new Date(ms).toLocaleTimeString(); }
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  // In the 1+2+4 order (medic first), whatever order the JSON kept.
  function gapsText(gaps) {
    return Object.keys(S.roles).filter(function (r) { return gaps[r]; })
      .map(function (r) { return S.roles[r] + " −" + gaps[r]; }).join(", ");
  }

  function alertText(a) {
    var d = a.detail || {};
    if (a.kind === "paused") {
      return d.reason ? fill(S.alerts.paused, { station: a.station, reason: S.reasons[d.reason] || d.reason })
        : fill(S.alerts.pausedNoReason, { station: a.station });
    }
    if (a.kind === "understaffed") { return fill(S.alerts.understaffed, { station: a.station, gaps: gapsText(d.gaps || {}) }); }
    return fill(S.alerts[a.kind] || a.kind, d);
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
      tr.appendChild(el("td", "", (st.calling || S.none) + (st.serving > 1 ? " (+" + (st.serving - 1) + ")" : "")));
      tr.appendChild(el("td", "throughput", st.per_hour_15 + " / " + st.per_hour_60));
      tr.appendChild(el("td", "today", String(st.today)));
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

  function renderCharts(node, stats) {
    if (!window.Chart) { return; }
    var c = stats.chart, existing = charts[stats.site_id];
    if (existing) {
      existing.t.data.labels = c.labels; existing.t.data.datasets[0].data = c.per_hour; existing.t.update("none");
      existing.w.data.labels = c.labels; existing.w.data.datasets[0].data = c.avg_wait_min;
      existing.w.data.datasets[1].data = c.max_wait_min; existing.w.update("none");
      return;
    }
    var common = { animation: false, responsive: true, maintainAspectRatio: false,
                   scales: { y: { beginAtZero: true } }, plugins: { legend: { position: "bottom" } } };
    charts[stats.site_id] = {
      t: new Chart(node.querySelector(".chart-throughput"), { type: "bar", options: common, data: {
        labels: c.labels, datasets: [{ label: S.chartThroughput, data: c.per_hour, backgroundColor: "#0b6e4f" }] } }),
      w: new Chart(node.querySelector(".chart-waits"), { type: "line", options: common, data: {
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
      max: mins(stats.waits.max_s)
    };
    Object.keys(f).forEach(function (k) { node.querySelector('[data-f="' + k + '"]').textContent = f[k]; });
    renderAlerts(node, stats);
    renderStations(node, stats);
    renderCharts(node, stats);
    node.setAttribute("data-order", String(RANK[stats.band] * 1e7 + (stats.eta_join_s || 0)));
    reorder();
    $("dash-updated").textContent = fill(S.updated, { t: siteTime(stats.now_ms, stats.timezone) });
  }

  // The most crowded site first: congested, busy, flowing; then the longest estimate.
  var RANK = { flowing: 0, busy: 1, congested: 2 };
  function reorder() {
    var box = $("dash-sites"), nodes = Array.prototype.slice.call(box.children);
    var sorted = nodes.slice().sort(function (a, b) {
      return Number(b.getAttribute("data-order")) - Number(a.getAttribute("data-order"));
    });
    if (sorted.some(function (n, i) { return n !== nodes[i]; })) {
      sorted.forEach(function (n) { box.appendChild(n); });
    }
  }

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
