// Progressive enhancement only: every form works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // Steppers: − / + around a number input, bounded by what is left to count.
  document.querySelectorAll(".stepper").forEach(function (box) {
    var input = box.querySelector("input");
    var max = parseInt(box.getAttribute("data-max"), 10);
    box.querySelectorAll(".step").forEach(function (btn) {
      btn.hidden = false;
      btn.addEventListener("click", function () {
        var value = (parseInt(input.value, 10) || 0) + parseInt(btn.getAttribute("data-step"), 10);
        input.value = Math.max(0, isNaN(max) ? value : Math.min(max, value));
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
    });
  });
  // Counting a service means the visit helped: pick that outcome for the member.
  var form = document.querySelector(".visit-form");
  if (form) {
    form.addEventListener("change", function (e) {
      if (e.target.classList && e.target.classList.contains("count") && parseInt(e.target.value, 10) > 0) {
        var helped = form.querySelector('input[name="outcome"][value="helped"]');
        if (helped) helped.checked = true;
      }
    });
  }
  // Destructive buttons ask first (undo exists, but a slip of the thumb is common).
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault();
    });
  });
})();
