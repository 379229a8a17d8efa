/* The what-if page: send the form to /api/v1/plan/round, show the waits and staff by hour. */
(function () {
  "use strict";
  var $ = NQ.$, S = NQ.page.strings, ROLES = NQ.page.roles;
  var form = $("plan-form");
  // A field the server refused, back to the input it came from.
  var INPUT_OF = { target_wait_s: "target_min" };

  function minutes(seconds) { return NQ.duration(seconds); }  // as every other page says a wait

  function body() {
    var out = { standard: {} };
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name) { return; }
      if (input.name.indexOf("standard.") === 0) {
        out.standard[input.name.slice(9)] = Number(input.value);
      } else if (input.name === "from" || input.name === "to") {
        out[input.name] = input.value;
      } else if (input.name === "target_min") {
        out.target_wait_s = Number(input.value) * 60;
      } else {
        out[input.name] = Number(input.value);
      }
    });
    return out;
  }

  function staffText(staff) {
    return ROLES.map(function (r) { return S.roles[r] + " " + staff[r]; }).join(" · ") + " (" + staff.total + ")";
  }

  function cell(row, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) { td.className = cls; }
    row.appendChild(td);
  }

  function verdict(r, target) {
    var p = r.per_point, w = r.wait, ok = w.p90_s !== null && w.p90_s <= target;
    var el = $("plan-verdict");
    if (ok) {
      el.textContent = NQ.fill(S.within, { n: p.stations, wait: minutes(w.p90_s) });
    } else if (r.stations_needed === null) {
      el.textContent = S.unreachable;
    } else {
      el.textContent = NQ.fill(S.over, { n: p.stations, wait: minutes(w.p90_s), k: r.stations_needed });
    }
    el.className = ok ? "" : "warn";
    el.setAttribute("data-ok", ok ? "1" : "0");
    var staff = S.staff + " " + staffText(r.staff_all_points);
    if (!ok && r.staff_needed_all_points) { staff += " — " + S.staffNeeded + " " + staffText(r.staff_needed_all_points); }
    $("plan-staff").textContent = staff;
  }

  function show(r, target) {
    var p = r.per_point, w = r.wait;
    var figures = { residents: p.residents, per_hour: p.per_hour, per_station: p.residents_per_station,
                    mean: minutes(w.mean_s), p90: minutes(w.p90_s), max: minutes(w.max_s),
                    needed: r.stations_needed === null ? S.none : r.stations_needed,
                    guideline: r.guideline_stations[0] + "–" + r.guideline_stations[1] };
    Object.keys(figures).forEach(function (name) {
      document.querySelector('#plan-result [data-f="' + name + '"]').textContent = figures[name];
    });
    verdict(r, target);
    var tbody = document.querySelector("#plan-hours tbody");
    tbody.textContent = "";
    r.by_hour.forEach(function (h) {
      var row = document.createElement("tr");
      row.setAttribute("data-hour", h.from);
      if (h.p90_wait_s !== null && h.p90_wait_s > target) { row.className = "st-paused"; }
      cell(row, h.from);
      cell(row, h.arrivals);
      cell(row, minutes(h.mean_wait_s));
      cell(row, minutes(h.p90_wait_s), "p90");
      cell(row, h.queue);
      cell(row, h.stations);
      ROLES.forEach(function (role) { cell(row, h.staff[role]); });
      cell(row, h.staff.total, "staff-total");
      tbody.appendChild(row);
    });
    NQ.show($("plan-result"), true);
  }

  function showError(text) {
    $("plan-error").textContent = text;
    NQ.show($("plan-error"), true);
  }

  function refused(r) {
    var e = NQ.errorOf(r);
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (i) { i.removeAttribute("aria-invalid"); });
    var names = Object.keys(e.fields || {}).map(function (k) {
      var input = form.querySelector('[name="' + (INPUT_OF[k] || k) + '"]');
      if (!input) { return k; }
      input.setAttribute("aria-invalid", "true");
      return input.closest("label").textContent.trim();
    });
    showError((e.message || S.invalid) + (names.length ? " (" + names.join("; ") + ")" : ""));
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    NQ.show($("plan-error"), false);
    var data = body();
    NQ.api("POST", "/api/v1/plan/round", data).then(function (r) {
      if (!r.ok) { refused(r); return; }
      show(r.body, data.target_wait_s);
    }, function () { showError(S.network); });
  });
  document.body.setAttribute("data-ready", "1");
})();
