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
  // "Không có nhà" / "Hẹn quay lại" ask when: the picks show for those outcomes, the day box for "Chọn ngày".
  // The outcomes come from fieldapp/visits/rules.py, handed to the scripts by pwa/strings.py.
  var strings = document.getElementById("pwa-strings");
  var COME_BACK = ((strings ? JSON.parse(strings.textContent) : {}).rules || {}).comeBack || [];
  document.querySelectorAll("form").forEach(function (f) {
    var when = f.querySelector(".return-when");
    if (!when) return;
    var day = when.querySelector(".return-day");
    var sync = function () {
      var outcome = f.querySelector('input[name="outcome"]:checked');
      when.hidden = !(outcome && COME_BACK.indexOf(outcome.value) >= 0);
      var pick = when.querySelector('input[name="return_on"]:checked');
      day.hidden = !(pick && pick.value === "pick");
    };
    f.addEventListener("change", sync);
    sync();
  });
  // Assigning households: only the part of the form for the chosen way of picking them.
  var assign = document.querySelector(".assign-form");
  if (assign) {
    var showHow = function () {
      var how = (assign.querySelector('input[name="how"]:checked') || {}).value || "range";
      assign.querySelectorAll('fieldset[class^="how-"]').forEach(function (fs) {
        fs.hidden = !fs.classList.contains("how-" + how);
      });
    };
    assign.addEventListener("change", showHow);
    showHow();
  }
  // Share a text (the leader's week for the team's Zalo group): the phone's share sheet, else the clipboard.
  document.querySelectorAll("[data-share]").forEach(function (btn) {
    var source = document.getElementById(btn.getAttribute("data-share"));
    var state = document.getElementById(btn.getAttribute("data-share") + "-state");
    if (!source) return;
    btn.hidden = false;
    var say = function (text) { if (state) state.textContent = text; };
    btn.addEventListener("click", function () {
      var text = source.value || source.textContent;
      if (navigator.share) {
        navigator.share({ text: text }).then(function () { say(btn.getAttribute("data-shared")); }, function () {});
        return;
      }
      var copied = function () { say(btn.getAttribute("data-copied")); };
      var byHand = function () {
        source.focus(); source.select();
        try { if (document.execCommand("copy")) return copied(); } catch (e) { /* old browsers */ }
        say(btn.getAttribute("data-select"));
      };
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(copied, byHand);
      else byHand();
    });
  });
  // Destructive buttons ask first (undo exists, but a slip of the thumb is common).
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault();
    });
  });
})();
