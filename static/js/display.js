/* The calling screen at a site: numbers being called, by station, read aloud.
 *
 * It watches the site feed like a phone does and refetches its small picture
 * (/board) after each event. A "called" or "recalled" event is announced with
 * the browser's own speech synthesis in Chinese (no network needed). Browsers
 * speak only after a first tap on the page: the button asks for it once.
 */
(function () {
  "use strict";
  var $ = NQ.$, fill = NQ.fill, S = NQ.page.strings, site = NQ.page.site;
  var board = NQ.page.board, fresh = {}, seen = {}, soundOn = false, timer = null, announced = 0;
  //: At most this many calls missed while offline are said on reconnecting: the latest ones.
  var MISSED_SAID = 3;

  function say(number, station) {
    var text = fill(S.say, { number: number, n: station });
    announced += 1;  // what was said last, and how often: for whoever checks the screen
    document.body.setAttribute("data-announced", text);
    document.body.setAttribute("data-announcements", String(announced));
    // Letters and digits one by one ("A 0 2 3"), as a caller would read them.
    if (soundOn) { NQ.say(fill(S.say, { number: number.split("").join(" "), n: station }), 0.9); }
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
    return NQ.api("GET", "/api/v1/sites/" + encodeURIComponent(site.id) + "/board", undefined, { cache: "no-store" })
      .then(function (r) {
        if (!r.ok) { return; }
        board = r.body;
        if (!feed.lastId) { feed.lastId = board.last_event_id; }
        render();
      })
      .catch(function () { /* the offline banner says it */ });
  }

  function isCall(e) { return e.type === "called" || e.type === "recalled"; }

  function onEvent(e, silent) {
    if (!e || seen[e.id]) { return; }
    seen[e.id] = true;
    if (isCall(e)) {
      fresh = {}; fresh[e.station] = true;
      if (!silent) { say(e.number, e.station); }
    }
    if (!timer) { timer = setTimeout(function () { timer = null; refresh(); }, 150); }
  }

  function onMissed(events) {
    var calls = events.filter(isCall);
    var said = calls.slice(-MISSED_SAID).map(function (e) { return e.id; });
    // Each new event schedules the one refetch of the board, as a live event does.
    events.forEach(function (e) { onEvent(e, isCall(e) && said.indexOf(e.id) < 0); });
  }

  $("d-sound").addEventListener("click", function () {
    soundOn = true; $("d-sound").hidden = true;
    if (window.speechSynthesis) { window.speechSynthesis.speak(new SpeechSynthesisUtterance("")); }
  });

  var socket = NQ.connect();
  // From the last site event this screen has taken in: a call made while the TV's Wi-Fi
  // blinked is still shown and said.
  var feed = NQ.watchSite(socket, site.id, {
    since: board.last_event_id,
    event: function (e) { onEvent(e, false); },
    missed: onMissed,
    snapshot: refresh
  });
  socket.on("connect", refresh);
  render();
})();
