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
})();

// === certify: the report's "Print" button (hidden without JavaScript: Ctrl+P works anyway) ===
(function () {
  "use strict";
  document.querySelectorAll("button[data-print]").forEach(function (b) { b.hidden = false; });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("button[data-print]")) window.print();
  });
})();
