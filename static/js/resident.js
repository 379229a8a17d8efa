/* The resident's phone page: join, then watch the ticket live.
 *
 * The server sends the exact ticket when we (re)connect, then one site event
 * per change to everyone. Each event says which queue position left or entered,
 * so this page keeps "people ahead" exact by itself; the server never has to
 * message each phone. Events at or before the last one applied are skipped.
 *
 * The ticket's secret (its holder token) stays on the phone that joined, in
 * localStorage, never in the address: the address names the ticket only
 * (#t=<id>), so a forwarded page shows the number and the wait and can change
 * nothing. A family member's ticket sent on purpose from the family card
 * carries its token once (#t=<id>&k=<token>); the phone that opens it keeps
 * the token and drops it from the address.
 */
(function () {
  "use strict";
  var $ = NQ.$, show = NQ.show, fill = NQ.fill, S = NQ.page.strings, site = NQ.page.site;
  var storeKey = "natq:ticket:" + site.id;
  // Two cursors: lastEventId for the ticket's "ahead" (a ticket snapshot is exact
  // up to its last_event_id), siteEventId for the site's waiting count, which a
  // ticket snapshot does not carry; an event older than the ticket snapshot may
  // still be news for the count (e.g. our own join, when it arrives after the answer).
  // token null with an id: this page watches a ticket it does not hold (a forwarded link).
  var state = { id: null, token: null, ticket: null, lastEventId: null, siteEventId: site.last_event_id,
                pace: site.pace_seconds, singlePace: null, nearNotified: false, calledKey: null };
  var joinKey = null;   // Idempotency-Key of the join being tried; kept across retries
  var audio = null, speechPrimed = false, speakKey = "natq:speak", returnTimer = null;
  var socket = NQ.connect({ autoConnect: false });

  /* The page's two halves talk only through this object. resident.js (this file, loaded
   * first) makes it; resident-flow.js (documents, family members, the profile kept on
   * this phone, ticket codes; loaded second) sets its hooks; the page starts once the
   * document is parsed, so both halves are in before the first answer or event arrives. */
  var halves = NQ.halves = {
    // Set by resident-flow.js, called here:
    joinBody: function (form) {  // the join's JSON body, from the form
      return { name: form.name.value, phone: form.phone.value, id_number: form.id_number.value };
    },
    onJoined: function (_body) {},  // after a join the server took: one ticket, or a household's {tickets: [...]}
    onTicket: function (_ticket) {},  // each time this phone's own ticket is read or changes
    onForget: function () {},  // this phone lets its ticket go (a new number, or the ticket is refused)
    person: function (_index) { return null; },  // {doc_type, id_number} of the join's person n (0: the form's own)
    useQuick: function () { return false; },  // show the card of people kept on this phone instead of the form
    onAlreadyQueued: function (_error) {},  // the join's 409 already_queued: the ticket may be got back
    // Set here, used by resident-flow.js: the page's Socket.IO connection, connected once
    // both halves are in (family members' tickets are watched through it); the join itself,
    // sent from the form as it stands, the given button showing that it is sending; and
    // hold(ticket), which makes a ticket with its token this page's (a ticket got back).
    socket: socket,
    submitJoin: null,
    hold: null
  };

  function etaText(seconds) {
    if (seconds === null || seconds === undefined) { return S.noEstimate; }
    if (seconds < 60) { return S.underMinute; }
    return fill(S.minutes, { n: Math.ceil(seconds / 60) });
  }

  /* --- where the ticket is kept: this phone's storage; the address names the ticket only --- */
  function fromLink() {
    var m = /#t=([^&]+)(?:&k=([^&]+))?/.exec(location.hash);
    return m ? { id: decodeURIComponent(m[1]), token: m[2] ? decodeURIComponent(m[2]) : null } : null;
  }
  function loadSaved() {
    var link = fromLink(), kept = NQ.load(storeKey, null);
    if (!link) { return kept; }
    if (link.token) { return link; }  // sent on purpose from a family card: this phone holds it now
    if (kept && kept.id === link.id) { return kept; }
    return { id: link.id, token: null };  // a forwarded page: it watches, it cannot act
  }
  function save(id, token) {
    state.id = id; state.token = token || null;
    if (token) { NQ.store(storeKey, { id: id, token: token }); }
    history.replaceState(null, "", location.pathname + location.search + "#t=" + encodeURIComponent(id));
  }
  function forget() {
    var kept = NQ.load(storeKey, null);
    if (kept && kept.id === state.id) { NQ.store(storeKey, undefined); }
    state.id = state.token = state.ticket = null;
    state.nearNotified = false; state.calledKey = null;
    history.replaceState(null, "", location.pathname + location.search);
    halves.onForget();
  }
  // The ticket was given to another phone (got back there with the ID and phone): this page
  // still shows it, as a forwarded page does, and can no longer change it.
  function lostToken() {
    var kept = NQ.load(storeKey, null);
    if (kept && kept.id === state.id) { NQ.store(storeKey, undefined); }
    state.token = null;
  }

  /* --- attention: vibration and a short tone, where the phone allows --- */
  function unlockAudio() {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (Ctx && !audio) { audio = new Ctx(); }
      if (audio && audio.state === "suspended") { audio.resume(); }
    } catch (e) { audio = null; }
    // Some phones speak only after a first utterance made in a tap: an empty one, once.
    if (!speechPrimed && speechOn() && window.speechSynthesis) { speechPrimed = true; NQ.say(""); }
  }
  function speechOn() { return NQ.load(speakKey, true) !== false; }
  function alertUser(strong) {
    if (navigator.vibrate) { navigator.vibrate(strong ? [600, 200, 600, 200, 600] : [300]); }
    if (!audio) { return; }
    try {
      [0, 0.45, 0.9].slice(0, strong ? 3 : 1).forEach(function (at) {
        var osc = audio.createOscillator(), gain = audio.createGain();
        osc.frequency.value = 880; gain.gain.value = 0.3;
        osc.connect(gain); gain.connect(audio.destination);
        osc.start(audio.currentTime + at); osc.stop(audio.currentTime + at + 0.3);
      });
    } catch (e) { /* no sound, the banner still shows */ }
  }
  document.addEventListener("touchstart", unlockAudio, { passive: true });
  document.addEventListener("click", unlockAudio);

  /* --- rendering --- */
  function renderSite(waiting) {
    if (waiting !== undefined) { $("site-waiting").textContent = waiting; }
    var w = Number($("site-waiting").textContent) || 0;
    $("site-eta").textContent = etaText(state.pace === null ? null : w * state.pace);
  }

  function renderTicket() {
    var t = state.ticket, quick = !t && !state.id && halves.useQuick();
    show($("join"), !t && !state.id && !quick);
    show($("quick"), quick);
    show($("ticket"), !!t);
    show($("site-status"), !t || t.status === "waiting");
    if (!t) { return; }
    $("ticket-number").textContent = t.number;
    $("ticket-holder").textContent = t.name ? fill(S.holder, { name: t.name }) : "";
    var waiting = t.status === "waiting", watching = !state.token;
    show($("watching-note"), watching);
    $("ticket-label").textContent = watching ? S.theirNumber : S.yourNumber;
    show($("ticket-waiting"), waiting);
    show($("leave-button"), !watching && (waiting || t.status === "called"));
    show($("rejoin-button"), watching || (!waiting && t.status !== "called"));
    show($("speak-row"), !!window.speechSynthesis && (waiting || t.status === "called"));
    if (waiting) {
      $("ticket-status").textContent = S.waiting;
      $("ticket-ahead").textContent = t.ahead;
      // A yellow-code ticket waits for the single-tube stations' pace, everyone else the pooled one.
      var pace = t.single ? state.singlePace : state.pace;
      $("ticket-eta").textContent = (pace === null || pace === undefined) && t.single ? S.noSingleEstimate
        : etaText(pace === null || pace === undefined ? null : t.ahead * pace);
      var near = t.ahead <= site.alert_ahead;
      show($("near"), near);
      if (near && !state.nearNotified) { state.nearNotified = true; alertUser(false); }
    } else {
      show($("near"), false);
      $("ticket-status").textContent = t.status === "called" ? fill(S.called, { n: t.station })
        : t.status === "no_show" && t.return_seconds_left > 0
          ? fill(S.noShowBack, { n: t.station, m: Math.ceil(t.return_seconds_left / 60) })
          : (S[t.status] || t.status);
    }
    // Past the window staff can no longer bring them back: the page stops saying so.
    clearTimeout(returnTimer);
    if (t.status === "no_show" && t.return_seconds_left > 0) {
      returnTimer = setTimeout(function () { t.return_seconds_left = 0; renderTicket(); }, t.return_seconds_left * 1000);
    }
    document.body.classList.toggle("is-called", t.status === "called");
    if (t.status === "called") {
      var key = t.called_ms + ":" + t.recalls;
      if (key !== state.calledKey) { state.calledKey = key; showCalled(t); }
    } else {
      show($("called"), false);
    }
  }

  function showCalled(t) {
    $("called-number").textContent = t.number;
    $("called-text").textContent = fill(S.goTo, { n: t.station });
    show($("called"), true);
    alertUser(true);
    if (speechOn()) { NQ.say(fill(S.sayCalled, { number: t.number, n: t.station })); }
  }

  /* --- live updates --- */
  function applyTicket(t) {
    if (!state.id || t.id !== state.id) { return; }
    state.ticket = t;
    if (t.single) { state.singlePace = t.pace_seconds; } else { state.pace = t.pace_seconds; }
    state.lastEventId = t.last_event_id;
    renderTicket();
    renderSite();
    halves.onTicket(t);
  }

  function applySnapshot(s) {
    state.lastEventId = state.siteEventId = s.last_event_id;
    state.pace = s.pace_seconds;
    show($("site-closed"), !s.accepting);
    renderSite(s.waiting);
  }

  function counts(mine, lane) {
    var group = function (l) { return l.charAt(0) === "s" && l.length === 2 ? "s" : ""; };
    if (mine === "p" || mine === "sp") { return lane === mine; }
    return group(lane) === group(mine);
  }

  // A page watching without the token is not in the ticket's room: an event that moved its
  // ticket (by number, or by its place in the line for a household called with another) sends it to read again.
  function names(e, t) {
    if (e.type === "joined") { return false; }
    return e.number === t.number || e.left === t.score ||
      (e.also || []).some(function (m) { return m[0] === t.score; });
  }

  function isNew(id, cursor) { return !cursor || NQ.compareIds(id, cursor) > 0; }

  function applyEvent(e) {
    var forSite = isNew(e.id, state.siteEventId), forTicket = isNew(e.id, state.lastEventId);
    if (!forSite && !forTicket) { return; }
    if (forSite) { state.siteEventId = e.id; }
    if (forTicket) {
      state.lastEventId = e.id;
      if ("pace" in e) { state.pace = e.pace; }
      if ("pace_single" in e) { state.singlePace = e.pace_single; }
      var t = state.ticket;
      if (t && !state.token && names(e, t)) { readTicket(); }
      if (t && t.status === "waiting") {
        // Lanes (see docs/api.md): a regular ticket counts everyone of its group who joined
        // earlier; a priority ticket only the earlier priority tickets of its group.
        var moved = [];
        if (typeof e.left === "number") { moved.push([e.left, e.lane, -1]); }
        if (typeof e.entered === "number") { moved.push([e.entered, e.entered_lane || e.lane, 1]); }
        (e.also || []).forEach(function (m) { moved.push([m[0], m[1], e.type === "joined" ? 1 : -1]); });
        moved.forEach(function (m) {
          if (m[0] < t.score && counts(t.lane || "r", m[1] || "r")) { t.ahead = Math.max(0, t.ahead + m[2]); }
        });
      }
    }
    renderSite(forSite ? e.waiting : undefined);
    renderTicket();
  }

  // With a ticket the page follows the site through it (watch_ticket puts it in the site's
  // room too, and the ticket's snapshot is exact); without one, through the site's feed.
  var feed = NQ.watchSite(socket, site.id, {
    lastId: function () { return state.lastEventId; },
    event: applyEvent, snapshot: applySnapshot, auto: false
  });
  function watch() {
    if (!state.id) { feed.watch(); return; }
    socket.emit("watch_ticket", { ticket_id: state.id, token: state.token }, function (ack) {
      if (ack && !ack.ok && ack.error.code === "forbidden") { lostToken(); watch(); return; }
      if (ack && !ack.ok && ack.error.code === "ticket_not_found") { forget(); renderTicket(); watch(); return; }
      document.body.setAttribute("data-live", "1");  // in its rooms: events reach it (for whoever checks)
    });
  }
  function readTicket() {
    var headers = state.token ? { "X-Ticket-Token": state.token } : {};
    return NQ.api("GET", "/api/v1/tickets/" + encodeURIComponent(state.id), undefined, { headers: headers })
      .then(function (r) {
        if (r.status === 403) { lostToken(); return readTicket(); }
        if (r.status === 404) { forget(); renderTicket(); return; }
        var t = r.ok ? r.body : null;
        if (t && (!state.ticket || NQ.compareIds(t.last_event_id, state.lastEventId || "0-0") >= 0)) { applyTicket(t); }
      })
      .catch(function () { /* the socket will bring it */ });
  }
  socket.on("connect", watch);
  socket.on("ticket", applyTicket);

  /* --- joining: each field says what is wrong, the button that it is sending --- */
  // Which document a field error is about: a member's own choice, else the form's.
  function errorText(p, key, code) {
    var field = key.replace(/^people\.\d+\./, ""), member = p.closest("fieldset.member");
    var doc = member ? member.querySelector("select").value : $("join-form").doc_type.value;
    if (field === "id_number" && code === "format" && doc !== "id") { return S.fieldErrors["document.format"]; }
    return S.fieldErrors[field + "." + code] || S.errors[code] || code;
  }
  function showFieldErrors(fields) {
    var first = null;
    Array.prototype.forEach.call(document.querySelectorAll("#join-form .field-error"), function (p) {
      var key = p.getAttribute("data-for");
      var code = fields[key] || fields["people.0." + key];  // a household's first person is this form
      p.textContent = code ? errorText(p, key, code) : "";
      if (code && !first) { first = p; }
    });
    if (first) { first.scrollIntoView({ block: "center" }); }
  }
  function joinError(text) { $("join-error").textContent = text || ""; show($("join-error"), !!text); }

  // A ticket this phone now holds (joined, or got back with the ID and the join's phone).
  function holdTicket(t) {
    save(t.id, t.token);
    applyTicket(t);
    watch();
    window.scrollTo(0, 0);  // the number first, wherever the form's button was
  }
  halves.hold = holdTicket;

  // The join as the form stands; ``button`` shows that it is sending (the form's, or the quick card's).
  function submitJoin(button) {
    unlockAudio();
    var form = $("join-form");
    showFieldErrors({});
    joinError("");
    show($("recover"), false);
    if (!joinKey) { joinKey = NQ.newKey(); }
    NQ.busy(button, true, S.sending);
    return NQ.api("POST", "/api/v1/sites/" + encodeURIComponent(site.id) + "/tickets", halves.joinBody(form), { key: joinKey })
    .then(function (r) {
      NQ.busy(button, false);
      if (r.status === 201) {
        joinKey = null;
        halves.onJoined(r.body);
        holdTicket(r.body.tickets ? r.body.tickets[0] : r.body);  // a household: the first is this page's
        return;
      }
      var err = NQ.errorOf(r);
      if (err.code !== "invalid") { joinKey = null; }
      show($("join"), true);
      if (err.fields && Object.keys(err.fields).length) {
        showFieldErrors(err.fields); joinKey = null;
        joinError(S.fixFields);
      } else if (err.code === "already_queued") {
        halves.onAlreadyQueued(err);
      } else {
        joinError(err.message);
      }
    }).catch(function () {
      // Kept joinKey: pressing again replays this join instead of making a second ticket.
      NQ.busy(button, false);
      joinError(S.network);
    });
  }
  halves.submitJoin = submitJoin;

  $("join-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    submitJoin($("join-button"));
  });

  /* --- leaving, a new number, the call's voice --- */
  $("leave-button").addEventListener("click", function () {
    if (!state.id || !state.token || !window.confirm(S.confirmLeave)) { return; }
    NQ.api("DELETE", "/api/v1/tickets/" + encodeURIComponent(state.id), undefined,
           { key: true, headers: { "X-Ticket-Token": state.token } })
      .then(function (r) {
        if (r.status === 403) { lostToken(); renderTicket(); watch(); return; }
        if (r.body && r.body.id) { applyTicket(r.body); }
      })
      .catch(function () { window.alert(S.network); });
  });

  // A new number; a page that only watched someone's ticket goes back to this phone's own, if any.
  $("rejoin-button").addEventListener("click", function () {
    forget();
    var kept = NQ.load(storeKey, null);
    if (kept && kept.id && kept.token) { save(kept.id, kept.token); readTicket(); }
    renderTicket(); watch();
  });
  $("called-ok").addEventListener("click", function () { show($("called"), false); });
  // One choice, two switches: on the ticket, and on the call's banner where the voice is heard.
  ["speak-switch", "called-speak"].forEach(function (id) {
    $(id).checked = speechOn();
    show($(id).parentNode, !!window.speechSynthesis);
    $(id).addEventListener("change", function () {
      var on = $(id).checked;
      NQ.store(speakKey, on);
      $("speak-switch").checked = $("called-speak").checked = on;
      if (on) { speechPrimed = false; unlockAudio(); } else if (window.speechSynthesis) { window.speechSynthesis.cancel(); }
    });
  });

  /* --- start, once both halves are in --- */
  document.addEventListener("DOMContentLoaded", function () {
    var saved = loadSaved();
    if (saved && saved.id) { save(saved.id, saved.token); }
    else { state.lastEventId = site.last_event_id; }
    renderSite();
    renderTicket();
    if (state.id) {
      show($("join"), false);
      readTicket();  // do not wait for the socket: show the ticket as soon as plain HTTP answers
    }
    socket.connect();
  });
})();
