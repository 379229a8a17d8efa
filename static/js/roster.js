/* The station console's roster: staff check in and out, and pause with a reason.
 *
 * The roster is replaced as a whole (PUT) with an Idempotency-Key per change,
 * so a retried tap never checks someone in twice; the server keeps the history.
 */
(function () {
  "use strict";
  var R = window.NQ_ROSTER, box = document.getElementById("roster");
  if (!box) { return; }
  var site = box.getAttribute("data-site"), station = box.getAttribute("data-station");
  var base = "/api/v1/sites/" + encodeURIComponent(site) + "/stations/" + station;
  var people = [];

  function $(id) { return document.getElementById(id); }
  function key() { return Math.random().toString(36).slice(2) + Date.now().toString(36); }
  function send(method, url, body) {
    return fetch(url, { method: method, credentials: "same-origin",
                        headers: { "Content-Type": "application/json", "Idempotency-Key": key() },
                        body: body === undefined ? undefined : JSON.stringify(body) })
      .then(function (res) { return res.json().then(function (b) { return { status: res.status, body: b }; }); });
  }

  function render(view) {
    people = view.people.map(function (p) { return { name: p.name, role: p.role }; });
    $("roster-shift").textContent = "(" + (R.shifts[view.shift.name] || view.shift.name) + ")";
    var list = $("roster-people"); list.innerHTML = "";
    view.people.forEach(function (p) {
      var li = document.createElement("li");
      li.textContent = (R.roles[p.role] || p.role) + " · " + p.name + " ";
      var out = document.createElement("button");
      out.type = "button"; out.className = "small-btn"; out.textContent = R.checkOut;
      out.addEventListener("click", function () {
        save(people.filter(function (q) { return q.name !== p.name; }));
      });
      li.appendChild(out);
      list.appendChild(li);
    });
    var gaps = view.staffing.gaps, names = Object.keys(gaps);
    $("roster-gaps").hidden = !names.length;
    $("roster-gaps").textContent = R.short.replace("{gaps}", names.map(function (r) {
      return (R.roles[r] || r) + " −" + gaps[r];
    }).join(", "));
  }

  function load() {
    send("GET", base + "/roster").then(function (r) { if (r.status === 200) { render(r.body); } });
  }
  function save(list) {
    send("PUT", base + "/roster", { people: list }).then(function (r) { if (r.status === 200) { render(r.body); } });
  }

  $("roster-add").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var name = ev.target.name.value.trim();
    if (!name) { return; }
    var list = people.filter(function (q) { return q.name !== name; });
    list.push({ name: name, role: ev.target.role.value });
    ev.target.name.value = "";
    save(list);
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-reason]"), function (b) {
    b.addEventListener("click", function () {
      send("POST", base + "/status", { status: "paused", reason: b.getAttribute("data-reason") });
    });
  });
  if (!document.getElementById("console").hidden) { load(); }
  new MutationObserver(function () { if (!document.getElementById("console").hidden) { load(); } })
    .observe(document.getElementById("console"), { attributes: true, attributeFilter: ["hidden"] });
})();
