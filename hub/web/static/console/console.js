// INFO Hub console: small enhancements only. Every page works without this file.
(function () {
  "use strict";
  // "Select all" checkboxes: <input type="checkbox" data-select-all="name-of-the-boxes">
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("input[data-select-all]")) return;
    var boxes = document.querySelectorAll('input[type=checkbox][name="' + box.dataset.selectAll + '"]');
    boxes.forEach(function (b) { if (!b.disabled) b.checked = box.checked; });
  });
  // After htmx swaps in content with an error summary, move the keyboard focus to it.
  document.addEventListener("htmx:afterSettle", function (event) {
    var summary = event.target.querySelector && event.target.querySelector(".error-summary, .notice[tabindex]");
    if (summary) summary.focus();
  });

  // === records: a file larger than the upload takes is said at once, before it is sent ===
  // (the server refuses it anyway; this spares a clerk on a slow link the wait)
  function tooLarge(input) {
    var file = input.files && input.files[0];
    var note = document.getElementById(input.id + "-size");
    var over = !!file && file.size > Number(input.getAttribute("data-max-bytes"));
    if (note) note.hidden = !over;
    return over;
  }
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[type=file][data-max-bytes]")) tooLarge(input);
  });
  document.addEventListener("submit", function (event) {
    var input = event.target.querySelector && event.target.querySelector("input[type=file][data-max-bytes]");
    if (input && tooLarge(input)) { event.preventDefault(); input.focus(); }
  });
  // === end records ===
})();

// === lao: forms re-rendered with errors or a conflict (400/409) are swapped in place ===
(function () {
  "use strict";
  // htmx swaps only 2xx answers by default; a form marked data-swap-errors shows its 4xx
  // answer (the form again, with the error summary or the conflict) instead of nothing.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    // The element that sent the request (the form), not the target it swaps.
    var config = event.detail.requestConfig;
    var elt = (config && config.elt) || event.detail.elt;
    if ((status === 400 || status === 403 || status === 409) && elt && elt.closest &&
        elt.closest("[data-swap-errors]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // The conflict panel takes the focus like an error summary does.
  document.addEventListener("htmx:afterSettle", function (event) {
    var panel = event.target.querySelector && event.target.querySelector(".conflict-panel");
    if (panel && !event.target.querySelector(".error-summary")) panel.focus();
  });
})();
// === end lao ===
// === certify: the report's "Print" button (hidden without JavaScript: Ctrl+P works anyway) ===
(function () {
  "use strict";
  document.querySelectorAll("button[data-print]").forEach(function (b) { b.hidden = false; });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("button[data-print]")) window.print();
  });
})();
