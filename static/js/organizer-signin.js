/* The organizer's sign-in on the community pages: the token becomes an HttpOnly cookie, then
 * the page's own script loads its data (NQ.signedIn). A 401 or 403 later shows the form again
 * (NQ.signedOut). */
(function () {
  "use strict";
  var $ = NQ.$;
  NQ.signedOut = function () { $("signin").hidden = false; $("console").hidden = true; };
  $("signin-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var form = ev.target;
    NQ.api("POST", "/api/v1/auth/organizer", { token: form.token.value }).then(function (r) {
      if (r.status !== 200) { $("signin-error").textContent = NQ.errorOf(r).message; $("signin-error").hidden = false; return; }
      form.reset(); $("signin-error").hidden = true; $("signin").hidden = true; $("console").hidden = false;
      if (NQ.signedIn) { NQ.signedIn(); }
    }, function () { $("signin-error").textContent = NQ.page.strings.network; $("signin-error").hidden = false; });
  });
})();
