/* Rosters: staff check in and out of a station, and pause it with a reason.
 *
 * Works for every [data-roster] box on the page (one on a station console,
 * one per station on the organizer's site page). A roster is replaced as a
 * whole (PUT) with an Idempotency-Key per change, so a retried tap never
 * checks someone in twice; the server keeps the history.
 */
(function () {
  "use strict";
  var R = window.NQ_ROSTER;

  function send(method, url, body) { return NQ.api(method, url, body, { key: true }); }

  function setUp(box) {
    var base = "/api/v1/sites/" + encodeURIComponent(box.getAttribute("data-site")) + "/stations/" +
               box.getAttribute("data-station");
    var people = [];
    function q(sel) { return box.querySelector(sel); }

    function render(view) {
      people = view.people.map(function (p) { return { name: p.name, role: p.role }; });
      q(".roster-shift").textContent = "(" + (R.shifts[view.shift.name] || view.shift.name) + ")";
      var list = q(".roster-people"); list.innerHTML = "";
      view.people.forEach(function (p) {
        var li = document.createElement("li");
        li.textContent = (R.roles[p.role] || p.role) + " · " + p.name + (p.this_shift ? "" : " (" + R.lastShift + ")") + " ";
        var out = document.createElement("button");
        out.type = "button"; out.className = "small-btn"; out.textContent = R.checkOut;
        out.addEventListener("click", function () {
          save(people.filter(function (other) { return other.name !== p.name; }));
        });
        li.appendChild(out);
        if (!p.this_shift) {  // still on from the last shift: a fresh check-in counts them on this one
          var again = document.createElement("button");
          again.type = "button"; again.className = "small-btn"; again.textContent = R.checkInAgain;
          again.addEventListener("click", function () {
            var others = people.filter(function (other) { return other.name !== p.name; });
            save(others).then(function () { save(others.concat([{ name: p.name, role: p.role }])); });
          });
          li.appendChild(again);
        }
        list.appendChild(li);
      });
      var gaps = view.staffing.gaps;  // in the 1+2+4 order (medic first), whatever order the JSON kept
      var roles = Object.keys(R.roles).filter(function (r) { return gaps[r]; });
      q(".roster-gaps").hidden = !roles.length;
      q(".roster-gaps").textContent = NQ.fill(R.short, { gaps: roles.map(function (r) {
        return (R.roles[r] || r) + " −" + gaps[r];
      }).join(", ") });
    }
    function load() { send("GET", base + "/roster").then(function (r) { if (r.status === 200) { render(r.body); } }); }
    function save(list) {
      return send("PUT", base + "/roster", { people: list }).then(function (r) { if (r.status === 200) { render(r.body); } });
    }

    q(".roster-add").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var name = ev.target.name.value.trim();
      if (!name) { return; }
      var list = people.filter(function (other) { return other.name !== name; });
      list.push({ name: name, role: ev.target.role.value });
      ev.target.name.value = "";
      save(list);
    });
    Array.prototype.forEach.call(box.querySelectorAll("[data-reason]"), function (b) {
      b.addEventListener("click", function () {
        send("POST", base + "/status", { status: "paused", reason: b.getAttribute("data-reason") });
      });
    });
    Array.prototype.forEach.call(box.querySelectorAll("[data-set-status]"), function (b) {
      b.addEventListener("click", function () {
        send("POST", base + "/status", { status: b.getAttribute("data-set-status") });
      });
    });
    // On a station console the box shows only once staff have signed in.
    var panel = document.getElementById("console");
    if (!panel || !panel.hidden) { load(); }
    if (panel) {
      new MutationObserver(function () { if (!panel.hidden) { load(); } })
        .observe(panel, { attributes: true, attributeFilter: ["hidden"] });
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-roster]"), setUp);
})();
