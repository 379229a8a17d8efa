/* The station console's recent no-shows, each with a "bring back" button.
 *
 * A resident passed here who turns up within the site's window (a slow walker, an elderly
 * resident) is called again at this station (POST /tickets/<id>/return) and becomes the
 * person at the table, instead of taking a new number at the back of the line.
 *
 * Loaded after station.js and station-flow.js; it talks to them only through NQ.halves:
 * it adds its list to what onView renders, and calls refresh and message.
 */
(function () {
  "use strict";
  var halves = NQ.halves, fill = NQ.fill, R = NQ.page.returns.strings;
  var box = document.createElement("div"), list = document.createElement("ul"), title = document.createElement("p");
  box.className = "card no-shows"; box.id = "no-shows"; box.hidden = true;
  title.className = "muted"; title.textContent = R.title;
  list.className = "plain no-show-list"; list.id = "no-show-list";
  box.appendChild(title); box.appendChild(list);
  // Under the console's messages, near the buttons that passed them.
  var anchor = NQ.$("outbox") || NQ.$("console-message");
  if (anchor) { anchor.parentNode.insertBefore(box, anchor.nextSibling); } else { NQ.$("console").appendChild(box); }

  var keys = {};  // one Idempotency-Key per ticket until the server answers: a double tap replays
  function bringBack(t, button) {
    keys[t.id] = keys[t.id] || NQ.newKey();
    button.disabled = true;
    NQ.api("POST", "/api/v1/tickets/" + encodeURIComponent(t.id) + "/return", {}, { key: keys[t.id] })
      .then(function (r) {
        delete keys[t.id];
        if (r.ok) { halves.selected = t.id; halves.message(""); } else { halves.message(NQ.errorOf(r).message); }
        halves.refresh();
      }, function () { button.disabled = false; halves.message(NQ.page.strings.network); });
  }

  var before = halves.onView;
  halves.onView = function (view, current) {
    before(view, current);
    var found = view.no_shows || [];
    list.innerHTML = "";
    found.forEach(function (t) {
      var li = document.createElement("li"), b = document.createElement("button");
      li.textContent = t.number + " " + t.name + " · " + fill(R.left, { m: Math.ceil(t.return_seconds_left / 60) }) + " ";
      b.type = "button"; b.className = "mini-btn bring-back"; b.textContent = R.bringBack;
      b.addEventListener("click", function () { bringBack(t, b); });
      li.appendChild(b); list.appendChild(li);
    });
    box.hidden = !found.length;
  };
})();
