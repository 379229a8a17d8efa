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
      .then(function (b) { board = b; render(); })
      .catch(function () { /* the offline banner says it */ });
  }

  function onEvent(e) {
    if (!e || seen[e.id]) { return; }
    seen[e.id] = true;
    if (e.type === "called" || e.type === "recalled") {
      fresh = {}; fresh[e.station] = true;
      say(e.number, e.station);
    }
    if (!timer) { timer = setTimeout(function () { timer = null; refresh(); }, 150); }
  }

  $("d-sound").addEventListener("click", function () {
    soundOn = true; $("d-sound").hidden = true;
    if (window.speechSynthesis) { window.speechSynthesis.speak(new SpeechSynthesisUtterance("")); }
  });

  var socket = io({ reconnectionDelayMax: 5000 });
  socket.on("connect", function () {
    $("offline").hidden = true;
    socket.emit("watch_site", { site_id: site.id });
    refresh();
  });
  socket.on("disconnect", function () { $("offline").hidden = false; });
  socket.on("site_event", onEvent);
  socket.on("site_events", function (b) { b.events.forEach(function (e) { seen[e.id] = true; }); refresh(); });
  socket.on("site", function () { refresh(); });
  render();
})();
