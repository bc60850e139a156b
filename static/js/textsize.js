// The text size chosen on this device (A / A+ / A++), applied before the page is drawn.
(function () {
  "use strict";
  var KEY = "fieldapp-text-size", root = document.documentElement, kept = "1";
  function get() { try { return localStorage.getItem(KEY) || kept; } catch (e) { return kept; } }
  function apply(size) { root.setAttribute("data-text", size); }
  apply(get());
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-textsize]").forEach(function (box) {
      box.hidden = false;
      var buttons = box.querySelectorAll("button[data-size]");
      function mark() {
        buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.getAttribute("data-size") === get())); });
      }
      buttons.forEach(function (b) {
        b.addEventListener("click", function () {
          kept = b.getAttribute("data-size");
          try { localStorage.setItem(KEY, kept); } catch (e) { /* private mode: this page only */ }
          apply(get());
          mark();
        });
      });
      mark();
    });
  });
})();
