// Commune notices for the offline app: kept in the member's own IndexedDB (never in the service-worker
// cache), refreshed after a sync with the server, and "Tôi đã xem" queued on the phone until the server has it.
/* global Outbox */
(function () {
  "use strict";
  if (!window.indexedDB || !window.Outbox) return;
  var API = "/api/v1/notices";
  var FRESH = 5 * 60000;  // ordinary pages refresh at most this often; the home page and the app at once
  var forced = !!document.querySelector("[data-notices-home]") || location.pathname === "/app";
  var running = null;

  function call(url, opts) {
    opts = Object.assign({ credentials: "same-origin", cache: "no-store", redirect: "manual" }, opts || {});
    opts.headers = Object.assign({ Accept: "application/json" }, opts.headers || {});
    return fetch(url, opts).then(function (r) {
      if (r.status !== 200) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }

  function localDay() {
    var d = new Date(), p = function (n) { return String(n).padStart(2, "0"); };
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate());
  }

  function pending(uid) { return Outbox.getKv(uid, "noticesSeen").then(function (ids) { return ids || []; }); }

  // The notices on this phone still in date, newest first; those tapped here count as read at once.
  function cached(uid) {
    return Promise.all([Outbox.getKv(uid, "notices"), pending(uid)]).then(function (r) {
      var day = localDay(), queued = r[1];
      return ((r[0] || {}).notices || []).filter(function (n) { return n.expires_on >= day; })
        .map(function (n) { return Object.assign({}, n, { seen: n.seen || queued.indexOf(n.id) >= 0 }); });
    });
  }

  // Sends what was tapped on the phone (with a fresh CSRF token), then fetches the live list.
  function refresh() {
    if (running) return running;
    running = Outbox.currentUser().then(function (user) {
      if (!user) return null;
      return pending(user.id).then(function (ids) {
        if (!ids.length) return null;
        return call("/api/v1/session").then(function (s) {
          return call(API + "/seen", { method: "POST", body: JSON.stringify({ ids: ids }),
                                       headers: { "Content-Type": "application/json", "X-CSRFToken": s.csrf_token } });
        }).then(function () {
          // Only what was sent leaves the queue: a tap made meanwhile waits for the next round.
          return pending(user.id).then(function (now) {
            return Outbox.setKv(user.id, "noticesSeen", now.filter(function (i) { return ids.indexOf(i) < 0; }));
          });
        });
      }).catch(function () { /* kept for the next round; the list is still worth fetching */ })
        .then(function () { return call(API); }).then(function (body) {
        return Outbox.setKv(user.id, "notices", { notices: body.notices || [], fetched: Date.now() });
      }).then(function () {
        document.dispatchEvent(new CustomEvent("notices:updated"));
      });
    }).catch(function () { /* offline or signed out: the phone keeps what it has */ })
      .then(function () { running = null; });
    return running;
  }

  // "Tôi đã xem" on the phone: counted here at once, sent now if the network allows, else later.
  function markSeen(uid, id) {
    return pending(uid).then(function (ids) {
      if (ids.indexOf(id) < 0) ids.push(id);
      return Outbox.setKv(uid, "noticesSeen", ids);
    }).then(function () { refresh(); });
  }

  // The home page's own "Tôi đã xem" (a plain form): the phone's copy learns it first, so the offline
  // app agrees at once, even if the network drops right after.
  function noteRead(uid, id) {
    return Outbox.getKv(uid, "notices").then(function (kept) {
      if (!kept) return;
      (kept.notices || []).forEach(function (n) { if (n.id === id) n.seen = true; });
      return Outbox.setKv(uid, "notices", kept);
    });
  }
  document.querySelectorAll("form[data-notice-seen]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var id = parseInt(form.getAttribute("data-notice-seen"), 10);
      var post = function () { form.submit(); };
      Outbox.currentUser().then(function (user) { return user && noteRead(user.id, id); }).then(post, post);
    });
  });

  document.addEventListener("outbox:synced", function (e) {
    if (!e.detail || e.detail.state !== "ok") return;
    Outbox.currentUser().then(function (user) {
      if (!user) return;
      return Promise.all([Outbox.getKv(user.id, "notices"), pending(user.id)]).then(function (r) {
        if (forced || r[1].length || !r[0] || Date.now() - r[0].fetched > FRESH) {
          forced = false;
          return refresh();
        }
      });
    }).catch(function () {});
  });

  window.Notices = { cached: cached, markSeen: markSeen, refresh: refresh };
})();
