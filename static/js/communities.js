/* The organizer's list of communities, and a new one with the sites that serve it. */
(function () {
  "use strict";
  var $ = NQ.$, S = NQ.page.strings;

  function load() {
    NQ.api("GET", "/api/v1/communities").then(function (r) {
      if (r.status === 401 || r.status === 403) { NQ.signedOut(); return; }
      var list = $("communities"); list.innerHTML = "";
      r.body.communities.forEach(function (c) {
        var li = NQ.el("li"), a = NQ.el("a", "", c.name + " (" + c.id + ")");
        a.href = "/organizer/communities/" + encodeURIComponent(c.id);
        li.appendChild(a);
        li.appendChild(document.createTextNode(" · " + NQ.fill(S.people, { n: c.people }) + " · " +
          NQ.fill(S.round, { n: c.round })));
        list.appendChild(li);
      });
    }, function () { /* the next load says it */ });
  }
  $("create-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var f = ev.target, sites = [];
    Array.prototype.forEach.call(f.querySelectorAll("[name=sites]:checked"), function (b) { sites.push(b.value); });
    var el = f.elements;
    NQ.api("POST", "/api/v1/communities", { id: el.namedItem("id").value.trim(), name: el.namedItem("name").value, sites: sites }, { key: true })
      .then(function (r) {
        if (r.status === 201) { window.location = "/organizer/communities/" + encodeURIComponent(r.body.id); return; }
        NQ.tell($("org-message"), NQ.errorLine(r, S.network));
      }, function () { NQ.tell($("org-message"), S.network); });
  });
  NQ.signedIn = load;
  if (!$("console").hidden) { load(); }
})();
