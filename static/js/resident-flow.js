/* The resident page's workflow parts: document types, declarations, family members,
 * a profile remembered on this phone only, and each ticket's QR code.
 *
 * Loaded after resident.js; the two talk only through NQ.halves (described in
 * resident.js): this half sets joinBody, onJoined, onTicket and onForget, and
 * watches the family's tickets through its socket. Nothing here leaves the phone
 * except the join itself; the profile lives in this phone's localStorage.
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

  halves.joinBody = function (form) {
    var me = { name: form.name.value, doc_type: form.doc_type.value, id_number: form.id_number.value,
               priority: form.priority.value || undefined, yellow_code: form.yellow_code.checked || undefined };
    var others = members();
    store(profileKey, { phone: form.phone.value, people: [me].concat(others).map(function (p) {
      return { name: p.name, doc_type: p.doc_type, id_number: p.id_number };
    }) });
    if (!others.length) { me.phone = form.phone.value; return me; }
    return { phone: form.phone.value, people: [me].concat(others) };
  };

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
      var img = li.querySelector("img");
      if (qrUrl(t.id)) { img.src = qrUrl(t.id); }
      img.hidden = !qrUrl(t.id) || !(t.status === "waiting" || t.status === "called");
      list.appendChild(li);
    });
    $("family").hidden = !family.length || $("ticket").hidden;
  }
  function watchFamily() {
    family.forEach(function (t) { halves.socket.emit("watch_ticket", { ticket_id: t.id, token: t.token }); });
  }

  halves.onJoined = function (body) {
    (body.tickets || [body]).forEach(remember);
    family = (body.tickets || []).slice(1).map(function (t) {
      return { id: t.id, token: t.token, number: t.number, name: t.name, status: t.status, station: t.station };
    });
    store(familyKey, family);
    renderFamily();
    watchFamily();
  };
  halves.onForget = function () { family = []; store(familyKey, []); renderFamily(); };
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

  var profile = load(profileKey, null);
  var form = $("join-form");
  if (profile && profile.people && profile.people.length) {
    var me = profile.people[0];
    form.name.value = me.name || ""; form.phone.value = profile.phone || "";
    form.doc_type.value = me.doc_type || "id"; form.id_number.value = me.id_number || "";
    profile.people.slice(1, F.max).forEach(addMember);
  }
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
