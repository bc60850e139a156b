// Print pages: a button that opens the browser's print dialog (the menu works without it).
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener("click", function () { window.print(); });
  });
})();
