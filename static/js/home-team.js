/* A home team's phone: the visits to make, with addresses, and the team's tube.
 * Each "Sampled" binds the swab to the team's open tube, by the same rules as a station.
 */
(function () {
  "use strict";
  var $ = NQ.$, fill = NQ.fill, S = NQ.page.strings, site = NQ.page.site, team = NQ.page.team;
  var base = "/api/v1/sites/" + encodeURIComponent(site.id);

  // Each change with its own Idempotency-Key: a tap retried after a blip is not done twice.
  function send(method, url, body) { return NQ.api(method, url, body, { key: true }); }
  function message(text) { NQ.tell($("home-message"), text); }
  function failed(r) {
    var e = NQ.errorOf(r);
    // A team has no single-tube station to go to: it opens a single tube itself.
    if (e.code === "single_tube_required") { message(S.needSingle); return; }
    var names = Object.keys(e.fields || {}).map(function (k) { return S.fieldNames[k] || ""; }).filter(Boolean);
    message((e.message || S.network) + (names.length ? " " + names.join("、") : ""));
  }

  function tubeFull(n) {
    var text = fill(S.tubeFull, { n: n });
    $("tube-full-text").textContent = text; $("tube-full").hidden = false;
    NQ.say(text);
  }

  // Two loads can cross (a medic saved, then a tube scanned): only the latest one's answers
  // are shown, or the older "no open tube" would land last and stay.
  var loads = 0;
  function load() {
    var mine = ++loads;
    send("GET", base + "/home/" + team + "/tube").then(function (r) {
      if (mine !== loads) { return; }
      if (r.status === 401 || r.status === 403) { $("signin").hidden = false; $("console").hidden = true; return; }
      var t = r.body.tube;
      $("tube-status").textContent = t ? fill(S.tubeOpen, { code: t.code, count: t.count, capacity: t.capacity }) : S.noTube;
      $("tube-close").hidden = !t;
      var medic = document.querySelector("#medic-form [name=medic]");
      if (document.activeElement !== medic) { medic.value = r.body.medic || ""; }
    });
    send("GET", base + "/home").then(function (r) {
      if (mine !== loads || r.status !== 200) { return; }
      var list = $("home-list"); list.innerHTML = "";
      r.body.home.forEach(function (h) {
        var li = document.createElement("li");
        li.innerHTML = '<p class="big-line"><strong></strong> <span class="who"></span></p><p class="addr"></p><p class="muted small why"></p>';
        li.querySelector("strong").textContent = h.number;
        li.querySelector(".who").textContent = h.name + " · " + h.id_number + " · " + h.phone + (h.single ? " · " + S.yellow : "");
        li.querySelector(".addr").textContent = h.address;
        li.querySelector(".why").textContent = h.reason;
        var b = document.createElement("button");
        b.type = "button"; b.className = "primary"; b.textContent = S.done;
        b.addEventListener("click", function () {
          send("POST", "/api/v1/tickets/" + encodeURIComponent(h.id) + "/home-done", { team: team }).then(function (d) {
            if (d.status !== 200) { failed(d); return; }
            message("");
            if (d.body.tube_filled) { tubeFull(d.body.tube_position); }
            load();
          });
        });
        li.appendChild(b);
        // Added by mistake, or the resident came to the site: the entry goes (it blocks a join).
        var off = document.createElement("button");
        off.type = "button"; off.className = "secondary"; off.textContent = S.remove;
        off.addEventListener("click", function () {
          if (!window.confirm(fill(S.confirmRemove, { n: h.number }))) { return; }
          send("DELETE", "/api/v1/tickets/" + encodeURIComponent(h.id)).then(function (d) {
            if (d.status !== 200) { failed(d); return; }
            message(""); load();
          });
        });
        li.appendChild(off);
        list.appendChild(li);
      });
      if (!r.body.home.length) { var none = document.createElement("li"); none.className = "muted"; none.textContent = S.nobody; list.appendChild(none); }
    });
  }

  $("tube-code").addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter") { return; }
    ev.preventDefault();
    var code = ev.target.value.trim(); ev.target.value = "";
    var mode = $("tube-single").checked ? "?mode=single" : "";
    send("POST", base + "/home/" + team + "/tube" + mode, { code: code }).then(function (r) {
      if (r.status !== 201) { failed(r); } else { message(""); }
      load();
    });
  });
  $("medic-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    send("POST", base + "/home/" + team + "/medic", { name: ev.target.medic.value }).then(function (r) {
      if (r.status !== 200) { failed(r); } else { message(""); }
      load();
    });
  });
  $("tube-close").addEventListener("click", function () { send("POST", base + "/home/" + team + "/tube/close").then(load); });
  $("tube-full-ok").addEventListener("click", function () { $("tube-full").hidden = true; $("tube-code").focus(); });
  $("home-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var f = ev.target;
    send("POST", base + "/home", { name: f.name.value, doc_type: f.doc_type.value, id_number: f.id_number.value,
                                  phone: f.phone.value || undefined, address: f.address.value, reason: f.reason.value,
                                  single: f.single.checked ? "yellow_code" : undefined }).then(function (r) {
      if (r.status !== 201) { failed(r); return; }
      message(""); f.reset(); load();
    });
  });
  $("signin-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    send("POST", "/api/v1/auth/staff", { site_id: site.id, code: ev.target.code.value }).then(function (r) {
      if (r.status !== 200) { $("signin-error").textContent = NQ.errorOf(r).message; $("signin-error").hidden = false; return; }
      ev.target.code.blur(); $("signin").hidden = true; $("console").hidden = false; load();
    });
  });
  if (!$("console").hidden) { load(); }
})();
