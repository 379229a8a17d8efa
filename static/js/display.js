/* The calling screen at a site: numbers being called, by station, read aloud.
 *
 * It watches the site feed like a phone does and refetches its small picture
 * (/board) after each event. A "called" or "recalled" event is announced with
 * the browser's own speech synthesis in Chinese (no network needed). Browsers
 * speak only after a first tap on the page: the button asks for it once.
 */
(function () {
  "use strict";
  var NQ = window.NQ, S = NQ.strings, site = NQ.site;
  var board = NQ.board, fresh = {}, seen = {}, soundOn = false, timer = null, announced = 0;
  // The last site event this screen has taken in: a reconnect asks for what came after it,
  // so a call made while the TV's Wi-Fi blinked is still shown and said.
  var lastId = board.last_event_id || null;
  //: At most this many calls missed while offline are said on reconnecting: the latest ones.
  var MISSED_SAID = 3;

  function $(id) { return document.getElementById(id); }
  function fill(t, v) { return t.replace(/\{(\w+)\}/g, function (_m, k) { return v[k]; }); }

  function say(number, station) {
    var text = fill(S.say, { number: number, n: station });
    announced += 1;  // what was said last, and how often: for whoever checks the screen
    document.body.setAttribute("data-announced", text);
    document.body.setAttribute("data-announcements", String(announced));
    if (!soundOn || !window.speechSynthesis) { return; }
    // Letters and digits one by one ("A 0 2 3"), as a caller would read them.
    var u = new SpeechSynthesisUtterance(fill(S.say, { number: number.split("").join(" "), n: station }));
    u.lang = document.documentElement.lang === "en" ? "en-US" : "zh-CN";
    u.rate = 0.9;
    window.speechSynthesis.speak(u);
  }

  function render() {
    $("d-waiting").textContent = board.waiting;
    var list = $("d-stations"); list.innerHTML = "";
    board.stations.forEach(function (st) {
      if (st.status === "closed" && !st.calling) { return; }
      var li = document.createElement("li");
      li.setAttribute("data-station", st.number);
      if (fresh[st.number]) { li.className = "fresh"; }
      if (st.status !== "open") { li.className += " " + st.status; }
      var label = document.createElement("div"); label.className = "st"; label.textContent = fill(S.station, { n: st.number });
      var num = document.createElement("div"); num.className = "num"; num.textContent = st.calling || S.none;
      li.appendChild(label); li.appendChild(num);
      if (st.status !== "open") {
        var state = document.createElement("div"); state.className = "state";
        state.textContent = S[st.status] + (st.reason ? " · " + (S.reasons[st.reason] || st.reason) : "");
        li.appendChild(state);
      }
      list.appendChild(li);
    });
    var recent = $("d-recent"); recent.innerHTML = "";
    board.recent.forEach(function (c) {
      var li = document.createElement("li");
      li.textContent = c.number + " → " + fill(S.station, { n: c.station }) + (c.type === "recalled" ? " · " + S.recalled : "");
      recent.appendChild(li);
    });
    $("d-next").textContent = board.next.join("  ") || S.none;
  }

  function refresh() {
    return fetch("/api/v1/sites/" + encodeURIComponent(site.id) + "/board", { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (b) { board = b; if (!lastId) { lastId = b.last_event_id; } render(); })
      .catch(function () { /* the offline banner says it */ });
  }

  function isCall(e) { return e.type === "called" || e.type === "recalled"; }

  function onEvent(e, silent) {
    if (!e || seen[e.id]) { return; }
    seen[e.id] = true;
    lastId = e.id;
    if (isCall(e)) {
      fresh = {}; fresh[e.station] = true;
      if (!silent) { say(e.number, e.station); }
    }
    if (!timer) { timer = setTimeout(function () { timer = null; refresh(); }, 150); }
  }

  function onMissed(batch) {
    var calls = batch.events.filter(isCall);
    var said = calls.slice(-MISSED_SAID).map(function (e) { return e.id; });
    // Each new event schedules the one refetch of the board, as a live event does.
    batch.events.forEach(function (e) { onEvent(e, isCall(e) && said.indexOf(e.id) < 0); });
  }

  $("d-sound").addEventListener("click", function () {
    soundOn = true; $("d-sound").hidden = true;
    if (window.speechSynthesis) { window.speechSynthesis.speak(new SpeechSynthesisUtterance("")); }
  });

  var socket = io({ reconnectionDelayMax: 5000 });
  socket.on("connect", function () {
    $("offline").hidden = true;
    socket.emit("watch_site", { site_id: site.id, last_id: lastId }, function () {
      document.body.setAttribute("data-live", "1");  // in the site's room from here on
    });
    refresh();
  });
  socket.on("disconnect", function () { $("offline").hidden = false; document.body.removeAttribute("data-live"); });
  socket.on("site_event", function (e) { onEvent(e, false); });
  socket.on("site_events", onMissed);
  socket.on("site", function (snapshot) { lastId = snapshot.last_event_id || lastId; refresh(); });
  render();
})();
