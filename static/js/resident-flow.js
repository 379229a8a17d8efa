/* The resident page's workflow parts: document types, declarations, family members,
 * the people this phone joined for (kept with the resident's consent, on this phone
 * only), and each ticket's QR code.
 *
 * Loaded after resident.js; the two talk only through NQ.halves (described in
 * resident.js): this half sets joinBody, onJoined, onTicket, onForget, person, useQuick
 * and onAlreadyQueued (the ticket got back on this phone), calls submitJoin and hold, and
 * watches the family's tickets through its socket.
 * Nothing here leaves the phone except the join itself: the people kept for the next
 * round live in this phone's localStorage, and only when the resident ticked the box.
 */
(function () {
  "use strict";
  var $ = NQ.$, fill = NQ.fill, halves = NQ.halves, load = NQ.load, store = NQ.store;
  var S = NQ.page.strings, F = S.family, site = NQ.page.site;
  var profileKey = "natq:profile", familyKey = "natq:family:" + site.id;
  var family = [];

  // A ticket's code (from the join or the holder's GET) names its QR image; kept on this phone.
  var codes = load("natq:codes", {});
  function remember(t) {
    if (t && t.code && codes[t.id] !== t.code) { codes[t.id] = t.code; store("natq:codes", codes); }
  }
  function qrUrl(id) { return codes[id] ? "/api/v1/ticket-codes/" + encodeURIComponent(codes[id]) + ".svg" : ""; }
  function statusText(t) {
    if (t.status === "called") { return fill(S.called, { n: t.station }); }
    if (t.status === "waiting") { return S.waiting; }
    return S[t.status] || t.status;
  }

  /* --- family rows in the join form --- */
  function field(label, input, errorFor) {
    var wrap = document.createElement("label");
    wrap.textContent = label;
    wrap.appendChild(input);
    var err = document.createElement("p");
    err.className = "field-error"; err.setAttribute("data-for", errorFor);
    return [wrap, err];
  }
  function renumber() {
    Array.prototype.forEach.call(document.querySelectorAll(".member"), function (row, i) {
      row.querySelector("h2").textContent = fill(F.member, { n: i + 2 });
      ["name", "id_number"].forEach(function (f) {
        row.querySelector("[data-field-error=" + f + "]").setAttribute("data-for", "people." + (i + 1) + "." + f);
      });
    });
    $("add-member").hidden = document.querySelectorAll(".member").length >= F.max - 1;
  }
  function addMember(person) {
    var row = document.createElement("fieldset");
    row.className = "member";
    var title = document.createElement("h2");
    row.appendChild(title);
    var name = document.createElement("input");
    name.name = "member_name"; name.maxLength = 40; name.value = (person && person.name) || "";
    var doc = document.querySelector("select.doc-type").cloneNode(true);
    doc.name = "member_doc"; doc.value = (person && person.doc_type) || "id";
    var number = document.createElement("input");
    number.name = "member_id"; number.maxLength = 18; number.autocapitalize = "characters";
    number.value = (person && person.id_number) || "";
    var parts = field(F.name, name, "").concat(field(F.document, doc, "")).concat(field(F.idNumber, number, ""));
    parts[1].setAttribute("data-field-error", "name");
    parts[5].setAttribute("data-field-error", "id_number");
    parts.forEach(function (el) { row.appendChild(el); });
    var remove = document.createElement("button");
    remove.type = "button"; remove.className = "secondary"; remove.textContent = F.remove;
    remove.addEventListener("click", function () { row.remove(); renumber(); });
    row.appendChild(remove);
    $("family-rows").appendChild(row);
    renumber();
  }

  function members() {
    return Array.prototype.map.call(document.querySelectorAll(".member"), function (row) {
      return { name: row.querySelector("[name=member_name]").value,
               doc_type: row.querySelector("[name=member_doc]").value,
               id_number: row.querySelector("[name=member_id]").value };
    });
  }

  function me(form) {
    return { name: form.name.value, doc_type: form.doc_type.value, id_number: form.id_number.value,
             priority: form.priority.value || undefined, yellow_code: form.yellow_code.checked || undefined };
  }
  halves.joinBody = function (form) {
    var first = me(form), others = members();
    if (!others.length) { first.phone = form.phone.value; return first; }
    return { phone: form.phone.value, people: [first].concat(others) };
  };
  halves.person = function (index) {
    var form = $("join-form");
    if (!index) { return { doc_type: form.doc_type.value, id_number: form.id_number.value }; }
    var other = members()[index - 1];
    return other && { doc_type: other.doc_type, id_number: other.id_number };
  };

  /* --- the people kept on this phone for the next round, only with consent --- */
  // Kept after a join the server took, never before: what is kept passed its checks once.
  function keepPeople(form) {
    if (!form.remember.checked) { store(profileKey, undefined); return; }
    store(profileKey, { phone: form.phone.value, people: [me(form)].concat(members()).map(function (p) {
      return { name: p.name, doc_type: p.doc_type, id_number: p.id_number };
    }) });
  }
  function kept() {
    var found = load(profileKey, null);
    return found && found.people && found.people.length ? found : null;
  }
  var editing = false;
  halves.useQuick = function () { return !editing && !!kept(); };

  function fillForm(profile, chosen) {
    var form = $("join-form"), people = profile.people.filter(function (_p, i) { return chosen[i]; });
    Array.prototype.forEach.call(document.querySelectorAll(".member"), function (row) { row.remove(); });
    var first = people[0] || { name: "", doc_type: "id", id_number: "" };
    form.name.value = first.name || ""; form.phone.value = profile.phone || "";
    form.doc_type.value = first.doc_type || "id"; form.id_number.value = first.id_number || "";
    form.remember.checked = true;
    people.slice(1, F.max).forEach(addMember);
    renumber();
  }
  function renderQuick() {
    var profile = kept(), list = $("quick-people");
    list.innerHTML = "";
    if (!profile) { return; }
    profile.people.forEach(function (p, i) {
      var li = document.createElement("li"), label = document.createElement("label"), box = document.createElement("input");
      label.className = "check quick-person";
      box.type = "checkbox"; box.checked = true; box.setAttribute("data-index", i);
      box.addEventListener("change", countQuick);
      label.appendChild(box);
      var who = document.createElement("span"), name = document.createElement("span"), id = document.createElement("small");
      who.className = "who"; name.textContent = p.name; id.textContent = masked(p.id_number);
      who.appendChild(name); who.appendChild(id);
      label.appendChild(who);
      li.appendChild(label); list.appendChild(li);
    });
    countQuick();
  }
  function chosen() {
    var picked = {};
    Array.prototype.forEach.call(document.querySelectorAll("#quick-people input"), function (box) {
      picked[box.getAttribute("data-index")] = box.checked;
    });
    return picked;
  }
  function countQuick() {
    var n = Object.keys(chosen()).filter(function (k) { return chosen()[k]; }).length;
    $("quick-join").querySelector(".button-label").textContent = n > 1 ? fill(F.quickJoin, { n: n }) : F.quickOne;
    $("quick-join").disabled = !n;
  }
  function masked(n) { return n && n.length > 8 ? n.slice(0, 4) + "********" + n.slice(-4) : n; }

  var fromQuick = false;  // a round joined from the card keeps everyone kept, not only those who came
  $("join-form").addEventListener("submit", function () { fromQuick = false; });
  $("quick-join").addEventListener("click", function () {
    fromQuick = true;
    fillForm(kept(), chosen());
    halves.submitJoin($("quick-join"));  // checked as any join is: its errors show on the form
  });
  $("quick-edit").addEventListener("click", function () {
    editing = true;
    fillForm(kept(), chosen());
    $("quick").hidden = true; $("join").hidden = false;
  });
  $("forget-me").addEventListener("click", function () {
    store(profileKey, undefined);
    var form = $("join-form");
    form.reset();
    Array.prototype.forEach.call(document.querySelectorAll(".member"), function (row) { row.remove(); });
    renumber();
    editing = true;
    $("quick").hidden = true; $("join").hidden = false;
    $("join-error").textContent = F.forgotten; $("join-error").hidden = false;
  });

  /* --- already queued: the ticket back on this phone, with the ID and the join's phone --- */
  var recovering = null;
  function maskPhone(p) { p = p.replace(/\D/g, "").slice(-11); return p.length === 11 ? p.slice(0, 3) + "****" + p.slice(7) : p; }
  halves.onAlreadyQueued = function (err) {
    var who = halves.person(err.person || 0) || {};
    var phone = $("join-form").phone.value.trim();
    recovering = { id_number: who.id_number, doc_type: who.doc_type, phone: phone };
    $("recover-text").textContent = fill(S.already, { number: err.number });
    $("recover-button").textContent = fill(S.recoverWith, { phone: maskPhone(phone) });
    NQ.show($("recover-button"), !!phone);
    $("recover-error").textContent = phone ? "" : S.recoverNeedsPhone;
    NQ.show($("recover-error"), !phone);
    NQ.show($("recover"), true);
    $("recover").scrollIntoView({ block: "center" });
  };
  $("recover-button").addEventListener("click", function () {
    var button = $("recover-button");
    if (!recovering) { return; }
    recovering.key = recovering.key || NQ.newKey();
    NQ.show($("recover-error"), false);
    NQ.busy(button, true, S.sending);
    NQ.api("POST", "/api/v1/sites/" + encodeURIComponent(site.id) + "/tickets/recover",
           { id_number: recovering.id_number, doc_type: recovering.doc_type, phone: recovering.phone },
           { key: recovering.key })
    .then(function (r) {
      NQ.busy(button, false);
      if (r.ok) {
        recovering = null;
        NQ.show($("recover"), false);
        halves.onJoined(r.body);
        halves.hold(r.body);
        return;
      }
      recovering.key = null;
      $("recover-error").textContent = NQ.errorOf(r).message || S.network;
      NQ.show($("recover-error"), true);
    }).catch(function () {
      NQ.busy(button, false);
      $("recover-error").textContent = S.network;
      NQ.show($("recover-error"), true);
    });
  });

  /* --- family tickets after joining --- */
  function renderFamily() {
    var list = $("family-list");
    list.innerHTML = "";
    family.forEach(function (t) {
      var li = document.createElement("li");
      li.className = "family-ticket";
      li.setAttribute("data-ticket", t.id);
      li.innerHTML = '<p class="ticket-number small-number"></p><p class="big-line name"></p>' +
        '<p class="status"></p><img width="150" height="150" alt="">';
      li.querySelector(".ticket-number").textContent = t.number;
      li.querySelector(".name").textContent = t.name;
      li.querySelector(".status").textContent = statusText(t);
      var img = li.querySelector("img"), live = t.status === "waiting" || t.status === "called";
      if (qrUrl(t.id)) { img.src = qrUrl(t.id); }
      img.hidden = !qrUrl(t.id) || !live;
      if (live && t.token) { li.appendChild(shareButton(t)); }
      list.appendChild(li);
    });
    $("family").hidden = !family.length || $("ticket").hidden;
  }
  // Sent on purpose to the member's own phone: the link carries the ticket's token once; the
  // phone that opens it keeps the token and drops it from its address (resident.js).
  function shareButton(t) {
    var b = document.createElement("button");
    b.type = "button"; b.className = "secondary share"; b.textContent = F.share;
    b.addEventListener("click", function () {
      var url = location.origin + location.pathname + "#t=" + encodeURIComponent(t.id) + "&k=" + encodeURIComponent(t.token);
      var text = fill(F.shareText, { number: t.number, site: site.name });
      if (navigator.share) {
        navigator.share({ title: text, text: text, url: url }).catch(function () { /* the resident closed it */ });
      } else if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text + " " + url).then(function () { window.alert(F.copied); },
          function () { window.prompt(F.copied, url); });
      } else {
        window.prompt(F.copied, url);
      }
    });
    return b;
  }
  function watchFamily() {
    family.forEach(function (t) { halves.socket.emit("watch_ticket", { ticket_id: t.id, token: t.token }); });
  }

  halves.onJoined = function (body) {
    if (!fromQuick || !$("join-form").remember.checked) { keepPeople($("join-form")); }
    editing = false;
    (body.tickets || [body]).forEach(remember);
    family = (body.tickets || []).slice(1).map(function (t) {
      return { id: t.id, token: t.token, number: t.number, name: t.name, status: t.status, station: t.station };
    });
    store(familyKey, family);
    renderFamily();
    watchFamily();
  };
  halves.onForget = function () { family = []; store(familyKey, []); renderFamily(); renderQuick(); };
  halves.onTicket = function (t) {
    remember(t);
    var img = $("ticket-qr");
    var live = (t.status === "waiting" || t.status === "called") && !!qrUrl(t.id);
    if (live && img.getAttribute("src") !== qrUrl(t.id)) { img.setAttribute("src", qrUrl(t.id)); }
    $("ticket-code").hidden = !live;
    // A yellow-code resident waits for a single-tube station: the site's pace is not theirs.
    var note = $("single-note");
    if (!note) {
      note = document.createElement("p"); note.id = "single-note"; note.className = "warn";
      $("ticket-code").insertAdjacentElement("afterend", note);
    }
    note.textContent = F.single;
    note.hidden = !(t.single && t.status === "waiting");
    renderFamily();
  };

  var profile = kept();
  if (profile) { fillForm(profile, profile.people.map(function () { return true; })); renderQuick(); }
  renumber();
  $("add-member").addEventListener("click", function () { addMember(null); });
  family = load(familyKey, []);
  renderFamily();
  // resident.js connects once the document is parsed: each connection watches the family again.
  halves.socket.on("connect", watchFamily);
  halves.socket.on("ticket", function (t) {
    family.forEach(function (m) { if (m.id === t.id) { m.status = t.status; m.station = t.station; } });
    store(familyKey, family);
    renderFamily();
  });
})();
