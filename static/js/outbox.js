// The outbox: records written on the phone wait in IndexedDB until the server confirms them.
// No DOM here: the page and the service worker (Background Sync) both load this file.
(function (root) {
  "use strict";
  var META = "fieldapp-meta";
  var API = "/api/v1";
  var running = null, following = null;

  function req(r) {
    return new Promise(function (ok, fail) {
      r.onsuccess = function () { ok(r.result); };
      r.onerror = function () { fail(r.error); };
    });
  }

  function open(name, stores) {
    var r = root.indexedDB.open(name, 1);
    r.onupgradeneeded = function () {
      stores.forEach(function (s) { r.result.createObjectStore(s, { keyPath: s === "kv" ? undefined : "id" }); });
    };
    return req(r);
  }

  // Each member has their own database: another member on the same phone never sees it.
  function userDb(uid) { return open("fieldapp-u" + uid, ["outbox", "households", "kv"]); }
  function metaDb() { return open(META, ["kv"]); }

  function tx(db, store, mode, fn) {
    return new Promise(function (ok, fail) {
      var t = db.transaction(store, mode);
      var out = fn(t.objectStore(store));
      t.oncomplete = function () { ok(out && "result" in out ? out.result : out); };
      t.onerror = t.onabort = function () { fail(t.error); };
    });
  }

  function kvGet(db, key) { return tx(db, "kv", "readonly", function (s) { return s.get(key); }); }
  function kvSet(db, key, value) { return tx(db, "kv", "readwrite", function (s) { s.put(value, key); }); }
  function all(db, store) { return tx(db, store, "readonly", function (s) { return s.getAll(); }); }

  function uuid() {
    if (root.crypto && root.crypto.randomUUID) return root.crypto.randomUUID();
    var b = root.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function currentUser() { return metaDb().then(function (db) { return kvGet(db, "user"); }); }
  function setUser(user) { return metaDb().then(function (db) { return kvSet(db, "user", user || null); }); }

  // Written before any network call; the id is the record's identity on the server too.
  function add(uid, kind, body, label) {
    var rec = { id: body.id, kind: kind, body: body, label: label || "", status: "pending",
                created: Date.now(), error: null, errors: null };
    return userDb(uid).then(function (db) {
      return tx(db, "outbox", "readwrite", function (s) { s.put(rec); }).then(function () {
        if (kind !== "household") return rec;
        var h = Object.assign({ achieved: {}, visit_count: 0, pending: true }, body);
        return tx(db, "households", "readwrite", function (s) { s.put(h); }).then(function () { return rec; });
      });
    });
  }

  function list(uid) { return userDb(uid).then(function (db) { return all(db, "outbox"); }); }

  function discard(uid, id) {
    return userDb(uid).then(function (db) {
      return tx(db, "outbox", "readwrite", function (s) { s.delete(id); }).then(function () {
        return tx(db, "households", "readwrite", function (s) {
          var g = s.get(id);
          g.onsuccess = function () { if (g.result && g.result.pending) s.delete(id); };
        });
      });
    });
  }

  function households(uid) { return userDb(uid).then(function (db) { return all(db, "households"); }); }
  function getKv(uid, key) { return userDb(uid).then(function (db) { return kvGet(db, key); }); }
  function setKv(uid, key, value) { return userDb(uid).then(function (db) { return kvSet(db, key, value); }); }

  function fetchJson(url, opts) {
    opts = Object.assign({ credentials: "same-origin", cache: "no-store", redirect: "manual" }, opts || {});
    opts.headers = Object.assign({ Accept: "application/json" }, opts.headers || {});
    return root.fetch(url, opts).then(function (r) {
      if (r.type === "opaqueredirect" || r.status === 401) { var e = new Error("signin"); e.state = "signin"; throw e; }
      return r.json().catch(function () { return {}; }).then(function (body) { return { status: r.status, body: body }; });
    }, function () { var e = new Error("offline"); e.state = "offline"; throw e; });
  }

  function post(recs, user, csrf) {
    var body = { user_id: user.id, households: [], visits: [] };
    recs.forEach(function (r) { body[r.kind === "household" ? "households" : "visits"].push(r.body); });
    return fetchJson(API + "/visits/batch", {
      method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }
    });
  }

  // The server's answer per record: confirmed ones are forgotten, refused ones set aside with the reason.
  function apply(db, recs, results) {
    return tx(db, "outbox", "readwrite", function (s) {
      results.forEach(function (r) {
        var rec = recs.find(function (x) { return x.id === r.id; });
        if (!rec) return;
        if (r.status === "created" || r.status === "duplicate") {
          s.delete(r.id);  // only now is it safe to forget
        } else {
          rec.status = "rejected"; rec.error = r.error || ""; rec.errors = r.errors || null; rec.reason = "record";
          s.put(rec);
        }
      });
    });
  }

  function setAside(db, rec, res, reason) {
    rec.status = "rejected"; rec.reason = reason;
    rec.error = (res && res.body && typeof res.body.error === "string") ? res.body.error : "";
    rec.errors = null;
    return tx(db, "outbox", "readwrite", function (s) { s.put(rec); });
  }

  // Not about the records: the server is busy or down, or asks us to slow down. Try later.
  function transient(status) { return status >= 500 || status === 408 || status === 425 || status === 429; }

  // A visit waits while the household it belongs to is refused: sent alone it could only be refused too.
  function blocked(recs) {
    var out = {};
    recs.forEach(function (r) { if (r.kind === "household" && r.status === "rejected") out[r.id] = true; });
    return function (r) { return r.kind === "visit" && out[r.body.household_id]; };
  }

  // Sends what waits, households first. A refusal of the whole request (400, 413, 422 ...) is narrowed
  // down by halves to the record(s) that cause it, which are set aside with the reason; the rest goes on.
  // A server error narrows down the same way, but a record is set aside for it only when others got
  // through in the same run (the server works, that record breaks it); otherwise we back off and retry.
  function send(db, user, csrf) {
    return all(db, "outbox").then(function (recs) {
      var isBlocked = blocked(recs);
      var pending = recs.filter(function (r) { return r.status === "pending" && !isBlocked(r); })
        .sort(function (a, b) { return a.created - b.created; });
      var hh = pending.filter(function (r) { return r.kind === "household"; }).slice(0, 200);
      var vv = pending.filter(function (r) { return r.kind === "visit"; }).slice(0, 200);
      var first = hh.concat(vv);
      if (!first.length) return { sent: 0 };
      var queue = [first], ok = 0, failed = 0, sent = 0, suspects = [], gaveUp = null;
      var refusedHouseholds = {};

      function next() {
        if (!queue.length || gaveUp) return finish();
        var chunk = queue.shift().filter(function (r) {
          return !(r.kind === "visit" && refusedHouseholds[r.body.household_id]);
        });
        if (!chunk.length) return next();
        return post(chunk, user, csrf).then(function (res) {
          if (res.status === 200) {
            ok++;
            var results = res.body.results || [];
            sent += results.length;
            results.forEach(function (r) {
              if (r.kind === "household" && r.status !== "created" && r.status !== "duplicate") refusedHouseholds[r.id] = true;
            });
            return apply(db, chunk, results).then(next);
          }
          if (res.status === 409 && chunk.length === first.length) {
            // Records written by another member on this phone: nothing to narrow down.
            gaveUp = res; return finish();
          }
          if (transient(res.status)) {
            failed++;
            if (res.status < 500 || failed > ok + 3) { gaveUp = res; return finish(); }
            if (chunk.length === 1) suspects.push({ rec: chunk[0], res: res });
            else queue.unshift(chunk.slice(0, chunk.length >> 1), chunk.slice(chunk.length >> 1));
            return next();
          }
          if (chunk.length === 1) {
            if (chunk[0].kind === "household") refusedHouseholds[chunk[0].id] = true;
            return setAside(db, chunk[0], res, res.status === 413 ? "too_large" : "request").then(next);
          }
          queue.unshift(chunk.slice(0, chunk.length >> 1), chunk.slice(chunk.length >> 1));
          return next();
        });
      }

      function finish() {
        var aside = ok ? suspects : [];
        return aside.reduce(function (p, s) {
          return p.then(function () { return setAside(db, s.rec, s.res, "server"); });
        }, Promise.resolve()).then(function () {
          if (gaveUp || (failed && !ok)) {
            var res = gaveUp || (suspects[0] || {}).res || {};
            var e = new Error((res.body && res.body.error) || "HTTP " + res.status); e.state = "error"; throw e;
          }
          return { sent: sent, more: ok > 0 && pending.length > first.length };
        });
      }
      return next();
    });
  }

  // One record, now, with the page's own CSRF token: the visit form's save is one round trip.
  // Answers "saved", "rejected" (the server refused the record: its reason is on it) or "waiting"
  // (kept in the outbox for the next sync: offline, a server error, an expired token ...).
  function sendNow(uid, id, csrf) {
    return userDb(uid).then(function (db) {
      return tx(db, "outbox", "readonly", function (s) { return s.get(id); }).then(function (rec) {
        if (!rec) return { state: "saved" };
        return post([rec], { id: uid }, csrf).then(function (res) {
          if (res.status !== 200) return { state: "waiting", status: res.status };
          return apply(db, [rec], res.body.results || []).then(function () {
            var r = (res.body.results || [])[0] || {};
            return { state: r.status === "created" || r.status === "duplicate" ? "saved"
                     : r.status ? "rejected" : "waiting", error: r.error || "" };
          });
        }, function (e) { return { state: e.state === "signin" ? "signin" : "waiting" }; });
      });
    });
  }

  // A record set aside goes back in line (the member fixed the cause elsewhere, or the server now works).
  function retry(uid, id) {
    return userDb(uid).then(function (db) {
      return tx(db, "outbox", "readwrite", function (s) {
        var g = s.get(id);
        g.onsuccess = function () {
          if (!g.result) return;
          g.result.status = "pending"; g.result.error = null; g.result.errors = null; g.result.reason = null;
          s.put(g.result);
        };
      });
    });
  }

  function refresh(db, user) {
    if (!user.village_id) return Promise.resolve();
    return kvGet(db, "since").then(function (since) {
      var url = API + "/households?village=" + user.village_id + (since ? "&since=" + encodeURIComponent(since) : "");
      return Promise.all([fetchJson(url), fetchJson(API + "/services")]);
    }).then(function (res) {
      if (res[0].status !== 200) return;
      var list = res[0].body.households || [];
      return tx(db, "households", "readwrite", function (s) {
        list.forEach(function (h) { if (h.deleted) { s.delete(h.id); } else { s.put(h); } });
      }).then(function () {
        return kvSet(db, "since", res[0].body.server_time);
      }).then(function () {
        if (res[1].status === 200) return kvSet(db, "services", res[1].body.services);
      });
    });
  }

  // What the phone still holds, told to the server (the leader's week names phones with records not yet
  // sent): after a sync, when it changed since the last report, or a quarter of an hour after it.
  var REPORT_EVERY = 15 * 60e3;
  function report(db, csrf) {
    return Promise.all([all(db, "outbox"), kvGet(db, "reported")]).then(function (r) {
      var pending = 0, rejected = 0, oldest = null;
      r[0].forEach(function (rec) {
        if (rec.status === "rejected") rejected++; else pending++;
        if (oldest === null || rec.created < oldest) oldest = rec.created;
      });
      var last = r[1] || {};
      if (last.pending === pending && last.rejected === rejected && Date.now() - (last.at || 0) < REPORT_EVERY) return;
      var body = { pending: pending, rejected: rejected, oldest_at: oldest === null ? null : new Date(oldest).toISOString() };
      return fetchJson(API + "/sync/status", {
        method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }
      }).then(function (res) {
        if (res.status === 200) return kvSet(db, "reported", { pending: pending, rejected: rejected, at: Date.now() });
      });
    }).catch(function () { /* a report is an extra: the sync itself went well */ });
  }

  // One drain at a time per page; a call during a drain gets one more drain after it, so a
  // record added meanwhile is sent. The server's idempotency covers the page and worker racing.
  function sync() {
    if (running) {
      if (!following) following = running.then(function () { following = null; return sync(); });
      return following;
    }
    running = fetchJson(API + "/session").then(function (res) {
      if (res.status !== 200) { var e = new Error("session"); e.state = "error"; throw e; }
      var user = res.body.user;
      return setUser(user).then(function () { return userDb(user.id); }).then(function (db) {
        // The earliest day a visit may be dated (the server's back-entry window), for the offline form.
        if (res.body.earliest_visit_day) kvSet(db, "earliest", res.body.earliest_visit_day);
        var loop = function () {
          return send(db, user, res.body.csrf_token).then(function (r) { return r.more ? loop() : r; });
        };
        return loop().then(function () { return refresh(db, user); })
          .then(function () { return kvSet(db, "lastSync", Date.now()); })
          .then(function () { return report(db, res.body.csrf_token); })
          .then(function () { return { state: "ok", user: user }; }, function (e) {
            // The server answers but would not take the records: say so, the leader sees this phone waiting.
            if (e.state === "offline") throw e;
            return report(db, res.body.csrf_token).then(function () { throw e; });
          });
      });
    }).catch(function (e) {
      return { state: e.state || "error", error: e.message };
    }).then(function (r) { running = null; return r; });
    return running;
  }

  root.Outbox = { uuid: uuid, add: add, list: list, discard: discard, retry: retry, households: households,
                  getKv: getKv, setKv: setKv, currentUser: currentUser, setUser: setUser, sync: sync,
                  sendNow: sendNow };
})(self);
