/* The call-up box of the resident page and the calling screen: which buildings are called to
 * this site now, and which next. Times are the site's own (the server reads its clock and zone);
 * it asks again every minute, since a slot ends with time alone. */
(function () {
  "use strict";
  var box = document.getElementById("callup");
  if (!box) { return; }
  var url = "/api/v1/sites/" + encodeURIComponent(box.getAttribute("data-site")) + "/callup";
  function line(slots) {
    return slots.map(function (s) { return s.label + " " + s.from + "–" + s.to; }).join("；");
  }
  function load() {
    window.fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        box.hidden = !data.slots.length;
        document.getElementById("callup-now").textContent = line(data.now) || "—";
        document.getElementById("callup-next").textContent = line(data.next);
        document.getElementById("callup-next-line").hidden = !data.next.length;
      }, function () { /* kept as it was: the next minute asks again */ });
  }
  load();
  setInterval(load, 60000);
})();
