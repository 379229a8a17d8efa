/* Organizer forms: each sends JSON to the API and shows the answer's error fields. */
(function () {
  "use strict";
  var $ = NQ.$;
  var NUMBERS = ["stations", "band_busy_min", "band_congested_min", "wait_target_min", "shift_hours"];

  function body(form) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name) { return; }
      var value = input.value;
      if (input.name.indexOf("standard.") === 0) {
        out.standard = out.standard || {};
        out.standard[input.name.slice(9)] = Number(value);
      } else if (NUMBERS.indexOf(input.name) >= 0) {
        out[input.name] = Number(value);
      } else {
        out[input.name] = value;
      }
    });
    return out;
  }

  // A refused field by its label and what is wrong with it, in the page's language.
  function fieldText(form, name, code) {
    var A = NQ.page.strings, input = form.querySelector('[name="' + name + '"]');
    var label = input && input.closest("label"), what = A.codes[code];
    if (input) { input.setAttribute("aria-invalid", "true"); }
    var range = /^integer_(\d+)_to_(\d+)$/.exec(code);
    if (range && A.range) { what = NQ.fill(A.range, { low: range[1], high: range[2] }); }
    var title = label ? label.textContent.trim() : name;
    return title + " " + (what || A.invalid || "");
  }

  function showError(r, form) {
    var e = NQ.errorOf(r);
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (i) { i.removeAttribute("aria-invalid"); });
    var fields = Object.keys(e.fields || {}).map(function (k) { return fieldText(form, k, e.fields[k]); }).join("; ");
    NQ.tell($("form-error"), (e.message || r.status) + (fields ? " (" + fields + ")" : ""));
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-url]"), function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      NQ.tell($("form-error"), "");
      NQ.api(form.getAttribute("data-method"), form.getAttribute("data-url"), body(form)).then(function (r) {
        if (r.status >= 400) { showError(r, form); return; }
        if (form.getAttribute("id") === "create-site") {  // not form.id: its "id" field shadows it
          $("created-code").textContent = r.body.staff_code;
          $("created-link").href = "/organizer/sites/" + encodeURIComponent(r.body.id);
          $("created").hidden = false;
        } else {
          $("saved").hidden = false;
          setTimeout(function () { $("saved").hidden = true; }, 2500);
        }
      });
    });
  });

  var rotate = $("rotate");
  if (rotate) {
    rotate.addEventListener("click", function () {
      if (!window.confirm(rotate.getAttribute("data-confirm"))) { return; }
      NQ.api("POST", rotate.getAttribute("data-url")).then(function (r) {
        if (r.status === 200) { $("new-code").textContent = r.body.staff_code; $("new-code").hidden = false; }
      });
    });
  }
  // The forms answer from here on (a submit before this would reload the page instead).
  document.body.setAttribute("data-ready", "1");
})();
