/* The organizer's page: rounds and their figures, exports, a positive tube's trace, the audit log.
 * Everything here comes from organizer-only endpoints; traces and exports are audited by the server.
 */
(function () {
  "use strict";
  var $ = NQ.$, S = NQ.page.strings, site = NQ.page.site;
  var base = "/api/v1/sites/" + encodeURIComponent(site.id);

  function message(r) {
    var text = r && r.status >= 400 ? (NQ.errorOf(r).message || S.network) : "";
    NQ.tell($("org-message"), text);
  }
  // Who the audit log names: typed once, kept on this computer, sent as ?by= (headers cannot carry 汉字).
  var nameBox = $("org-name");
  try { nameBox.value = localStorage.getItem("natq:organizer-name") || ""; } catch (e) { /* private mode */ }
  nameBox.addEventListener("change", function () {
    try { localStorage.setItem("natq:organizer-name", nameBox.value); } catch (e) { /* private mode */ }
    loadRounds();
  });
  function by(url) { return url + (url.indexOf("?") < 0 ? "?" : "&") + "by=" + encodeURIComponent(nameBox.value); }

  function loadSettings() {
    NQ.api("GET", base + "/workflow").then(function (r) {
      if (r.status !== 200) { return; }
      var f = $("settings-form"), v = r.body;
      f.ratio_p.value = v.priority_ratio[0]; f.ratio_r.value = v.priority_ratio[1];
      f.tube_capacity.value = String(v.tube_capacity); f.tube_pattern.value = v.tube_pattern;
      f.require_tube.checked = v.require_tube; f.family_max.value = v.family_max; f.retention_days.value = v.retention_days;
    });
  }
  $("settings-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var f = ev.target;
    NQ.api("PATCH", base + "/workflow", {
      priority_ratio: [Number(f.ratio_p.value), Number(f.ratio_r.value)], tube_capacity: Number(f.tube_capacity.value),
      tube_pattern: f.tube_pattern.value, require_tube: f.require_tube.checked,
      family_max: Number(f.family_max.value), retention_days: Number(f.retention_days.value)
    }).then(function (r) { message(r); loadSettings(); });
  });

  function cell(row, text) { var td = document.createElement("td"); td.textContent = text; row.appendChild(td); return td; }
  function time(ms) { return ms ? new Date(ms).toLocaleString() : ""; }

  function loadRounds() {
    NQ.api("GET", base + "/rounds").then(function (r) {
      if (r.status === 401 || r.status === 403) { $("signin").hidden = false; $("console").hidden = true; return; }
      var body = $("rounds"); body.innerHTML = "";
      r.body.rounds.forEach(function (round) {
        var tr = document.createElement("tr"), c = round.counts;
        cell(tr, round.id + " " + round.name + (round.ended_ms ? "" : " (" + S.current + ")") +
          (round.purged_ms ? " (" + S.purged + ")" : ""));
        cell(tr, c.joined + c.home); cell(tr, c.sampled); cell(tr, c.voided); cell(tr, c.tubes);
        var links = cell(tr, "");
        ["csv", "xlsx"].forEach(function (fmt) {
          var a = document.createElement("a");
          a.href = by(base + "/rounds/" + round.id + "/export." + fmt); a.textContent = fmt.toUpperCase() + " ";
          links.appendChild(a);
        });
        var last = cell(tr, "");
        if (round.ended_ms && !round.purged_ms) {
          var b = document.createElement("button");
          b.type = "button"; b.className = "mini-btn"; b.textContent = S.purge;
          b.addEventListener("click", function () {
            if (window.confirm(S.confirmPurge)) { NQ.api("POST", by(base + "/rounds/" + round.id + "/purge")).then(function (d) { message(d); loadAll(); }); }
          });
          last.appendChild(b);
        }
        body.appendChild(tr);
      });
    });
  }
  function loadAudit() {
    NQ.api("GET", base + "/audit").then(function (r) {
      if (r.status !== 200) { return; }
      var list = $("audit"); list.innerHTML = "";
      r.body.audit.forEach(function (e) {
        var li = document.createElement("li");
        // Said in the organizer's language: the role and the action are the server's keys.
        var who = e.who.replace(/^(organizer|staff)\b/, function (role) { return S.roles[role]; });
        li.textContent = time(e.ts) + " · " + who + " · " + (S.actions[e.action] || e.action) + " " + (e.tube || "") +
          (e.round ? " #" + e.round : "") + (e.format ? " " + e.format.toUpperCase() : "");
        list.appendChild(li);
      });
    });
  }
  function loadAll() { loadRounds(); loadAudit(); loadSettings(); }

  $("round-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    NQ.api("POST", base + "/rounds", { name: ev.target.name.value }).then(function (r) { message(r); ev.target.reset(); loadAll(); });
  });
  $("trace-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var code = ev.target.code.value.trim();
    NQ.api("GET", by(base + "/tubes/" + encodeURIComponent(code) + "/trace")).then(function (r) {
      message(r);
      var body = $("trace"); body.innerHTML = "";
      if (r.status !== 200) { return; }
      var head = document.createElement("tr");
      S.traceHead.forEach(function (h) { var th = document.createElement("th"); th.textContent = h; head.appendChild(th); });
      body.appendChild(head);
      r.body.people.forEach(function (p) {
        var tr = document.createElement("tr");
        // A home team samples as 'h<n>': named as the page names the team.
        var station = /^h\d+$/.test(p.station || "") ? NQ.fill(S.homeTeam, { n: p.station.slice(1) }) : p.station;
        [p.position, p.name, p.id_number, p.phone, station, p.medic, p.sampled_at, p.voided ? p.void_reason : ""]
          .forEach(function (v) { cell(tr, v === null || v === undefined ? "" : v); });
        body.appendChild(tr);
      });
      loadAudit();
    });
  });
  $("signin-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    NQ.api("POST", "/api/v1/auth/organizer", { token: ev.target.token.value }).then(function (r) {
      if (r.status !== 200) { $("signin-error").textContent = NQ.errorOf(r).message; $("signin-error").hidden = false; return; }
      ev.target.reset(); $("signin").hidden = true; $("console").hidden = false; loadAll();
    });
  });
  if (!$("console").hidden) { loadAll(); }
})();
