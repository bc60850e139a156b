// Installs the service worker and keeps the outbox draining: on load, on "online", on a timer
// with backoff, and through Background Sync where the browser has it. Shows the sync badge.
/* global Outbox */
(function () {
  "use strict";
  var node = document.getElementById("pwa-strings");
  var T = node ? JSON.parse(node.textContent) : {};
  var COME_BACK = (T.rules || {}).comeBack || [];  // the outcomes that ask when (fieldapp/visits/rules.py)
  var BASE = 30000, MAX = 15 * 60000, OFFLINE = 5000, OFFLINE_LONG = 60000;
  var delay = BASE, timer = null, state = "idle", offlineTries = 0;

  function t(key, vars) {
    var s = T[key] || key;
    Object.keys(vars || {}).forEach(function (k) { s = s.replace("%(" + k + ")s", vars[k]); });
    return s;
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
  }
  if (navigator.storage && navigator.storage.persist) {
    navigator.storage.persisted().then(function (yes) { return yes || navigator.storage.persist(); })
      .catch(function () {});
  }
  if (!window.indexedDB || !window.Outbox) return;

  var badge = document.getElementById("sync-badge");
  var floating = !badge;  // on ordinary pages it only shows when something waits
  if (floating) {
    badge = document.createElement("p");
    badge.id = "sync-badge";
    badge.className = "sync-badge";
    badge.setAttribute("role", "status");
    badge.hidden = true;
    var main = document.querySelector("main");
    if (main) main.insertBefore(badge, main.firstChild);
  }

  function when(ms) {
    var d = new Date(ms);
    return d.toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit" }) + " " +
      d.toLocaleDateString("vi-VN", { day: "2-digit", month: "2-digit" });
  }

  function link(text, href) {
    var a = document.createElement("a");
    a.href = href; a.textContent = text;
    return a;
  }

  function render() {
    return Outbox.currentUser().then(function (user) {
      if (!user) return [[], null];
      return Promise.all([Outbox.list(user.id), Outbox.getKv(user.id, "lastSync")]);
    }).then(function (res) {
      var recs = res[0], last = res[1];
      var visits = 0, homes = 0, refused = 0;
      recs.forEach(function (r) {
        if (r.status === "rejected") refused++;
        else if (r.kind === "visit") visits++;
        else homes++;
      });
      var parts = [];
      if (visits) parts.push(t("pending", { n: visits }));
      if (homes) parts.push(t("pendingHouseholds", { n: homes }));
      if (!visits && !homes) parts.push(t("allSent"));
      parts.push(last ? t("lastSync", { t: when(last) }) : t("neverSynced"));
      if (state === "offline" && (visits || homes)) parts.push(t("offline"));
      badge.textContent = parts.join(" · ");
      badge.dataset.pending = String(visits + homes);
      badge.dataset.rejected = String(refused);
      if (refused) {
        badge.appendChild(document.createTextNode(" · "));
        badge.appendChild(link(t("rejected", { n: refused }), "/app#outbox"));
      }
      if (state === "signin") {
        badge.appendChild(document.createTextNode(" · " + t("signIn") + " "));
        badge.appendChild(link(t("signInLink"), "/login?next=/app"));
      }
      badge.classList.toggle("warn", refused > 0 || state === "signin");
      if (floating) badge.hidden = !(visits || homes || refused || (state === "signin" && recs.length));
    }).catch(function () {});
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(run, delay);
  }

  function run() {
    clearTimeout(timer);
    return Outbox.sync().then(function (r) {
      state = r.state;
      // Offline costs nothing to retry (no request leaves the phone): soon, and when the network is back.
      // (Every 5 s for the first minute, then every minute: the "online" event does not always fire.)
      offlineTries = r.state === "offline" ? offlineTries + 1 : 0;
      delay = r.state === "ok" ? BASE : r.state === "offline" ? (offlineTries <= 12 ? OFFLINE : OFFLINE_LONG)
        : Math.min(delay * 2, MAX);
      return render().then(function () {
        document.dispatchEvent(new CustomEvent("outbox:synced", { detail: r }));
        schedule();
        return r;
      });
    });
  }

  // After a record is queued: count it at once, ask for Background Sync, try to send.
  function queued() {
    render();
    if (navigator.serviceWorker && window.SyncManager) {
      navigator.serviceWorker.ready.then(function (reg) { return reg.sync.register("outbox"); })
        .catch(function () {});
    }
    return run();
  }

  // Signing out forgets who the phone belongs to; that member's records stay for their next sign-in.
  document.querySelectorAll('form[action$="/logout"]').forEach(function (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      Outbox.setUser(null).then(function () { form.submit(); }, function () { form.submit(); });
    });
  });

  // The server's visit form, with JavaScript: the visit goes to the outbox first, then is sent at once,
  // alone, with the page's own CSRF token (one round trip). "Đang lưu…" at once, "Đã lưu" on the answer.
  // Refused: it leaves the outbox and the form posts as usual, so the server shows its errors.
  // No answer (offline, a weak network): it stays on the phone and the offline app shows it waiting.
  var match = location.pathname.match(/^\/households\/([0-9a-f-]{36})\/visits\/new$/);
  var visitForm = match && document.querySelector("form.visit-form");
  var SLOW = 8000;
  if (visitForm) {
    visitForm.addEventListener("submit", function (e) {
      e.preventDefault();
      var button = visitForm.querySelector("button[type=submit]");
      var note = document.createElement("p");
      note.className = "save-state"; note.setAttribute("role", "status");
      button.parentNode.insertBefore(note, button);
      var say = function (text) { button.textContent = text; note.textContent = text; };
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      say(t("saving"));
      var post = function () { visitForm.submit(); };
      var household = "/households/" + match[1];
      var done = function () {
        say(t("saved"));
        button.removeAttribute("aria-busy");
        try { sessionStorage.setItem("fieldapp-flash", JSON.stringify({ path: household, text: t("savedVisit") })); } catch (err) { /* private mode */ }
        location.href = household;
      };
      var kept = function () {
        say(t("savedLocal"));
        location.href = "/app#outbox";  // kept on the phone until the network is back
      };
      Outbox.currentUser().then(function (user) {
        if (!user) return post();
        var assists = [];
        visitForm.querySelectorAll("input.count").forEach(function (input) {
          var n = parseInt(input.value, 10) || 0;
          if (n > 0) assists.push({ service: input.name.replace(/^svc_/, ""), count: n });
        });
        var checked = visitForm.querySelector("input[name=outcome]:checked");
        var when = visitForm.querySelector("[name=visited_at]").value;
        var given = visitForm.querySelector("[name=client_id]");  // the form's own id, if it has one
        var token = visitForm.querySelector("[name=csrf_token]");
        var body = { id: (given && given.value) || Outbox.uuid(), household_id: match[1], outcome: checked ? checked.value : "",
                     note: visitForm.querySelector("[name=note]").value.trim(), assists: assists,
                     // As typed: Vietnam time, like the form itself (no offset = Vietnam time).
                     visited_at: when ? when + ":00" : new Date().toISOString() };
        // The promised day, for the outcomes that ask when (as the form itself keeps it).
        var pick = visitForm.querySelector("input[name=return_on]:checked");
        if (pick && pick.value && COME_BACK.indexOf(body.outcome) >= 0) {
          var day = pick.value === "pick" ? visitForm.querySelector("[name=return_day]").value : pick.value;
          if (!day) return post();  // "Chọn ngày" without a day: the server's form says so
          body.return_on = day;
        }
        var label = (document.querySelector("h1") || {}).textContent || "";
        return Outbox.add(user.id, "visit", body, label).then(function () {
          render();
          var slow = new Promise(function (ok) { setTimeout(function () { ok({ state: "slow" }); }, SLOW); });
          return Promise.race([Outbox.sendNow(user.id, body.id, token ? token.value : ""), slow]);
        }).then(function (r) {
          if (r.state === "saved") return done();
          if (r.state === "rejected") return Outbox.discard(user.id, body.id).then(post);
          if (r.state !== "waiting" || !r.status) return kept();
          // The server answered the request as a whole (an expired token, a server error): a full sync.
          return run().then(function () { return Outbox.list(user.id); }).then(function (recs) {
            var rec = recs.find(function (x) { return x.id === body.id; });
            if (!rec) return done();
            if (rec.status === "rejected") return Outbox.discard(user.id, rec.id).then(post);
            kept();
          });
        });
      }).catch(post);
    });
  }

  // A notice carried over from the page that saved (the household page after a visit).
  try {
    var carried = JSON.parse(sessionStorage.getItem("fieldapp-flash") || "null");
    if (carried && carried.path === location.pathname) {
      sessionStorage.removeItem("fieldapp-flash");
      var flashNode = document.createElement("p");
      flashNode.className = "flash flash-success"; flashNode.setAttribute("role", "status");
      flashNode.textContent = carried.text;
      var host = document.querySelector("main");
      if (host) host.insertBefore(flashNode, host.firstChild);
    }
  } catch (err) { /* private mode: no notice, the visit is in the list */ }

  window.addEventListener("online", function () { delay = BASE; run(); });
  window.FieldApp = { t: t, rules: T.rules || {}, run: run, queued: queued, render: render, state: function () { return state; } };
  render();
  run();
})();
