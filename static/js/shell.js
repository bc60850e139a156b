// The offline app (/app): the village's households from IndexedDB, a visit form built from the
// cached service catalogue, new households, and the records waiting to be sent.
/* global Outbox, FieldApp */
(function () {
  "use strict";
  if (!window.indexedDB || !window.Outbox || !window.FieldApp) return;
  var t = FieldApp.t;
  var view = document.getElementById("view");
  var user = null, services = [], homes = [], recs = [], news = [], flash = null, earliest = null;  // flash: {text, hash}
  var RULES = FieldApp.rules;  // fieldapp/visits/rules.py, through pwa/strings.py
  var OUTCOMES = RULES.outcomes;
  var COME_BACK = RULES.comeBack;  // the outcomes that ask when
  var LONG_SINCE = 30;  // days without a visit marked on the list (as the server's list)
  var DAY = 86400e3;

  function h(tag, attrs, kids) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") el.textContent = attrs[k];
      else if (k === "on") Object.keys(attrs.on).forEach(function (ev) { el.addEventListener(ev, attrs.on[ev]); });
      else if (attrs[k] !== null && attrs[k] !== false) el.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    });
    (kids || []).forEach(function (c) { if (c) el.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return el;
  }

  function show(nodes) {
    view.textContent = "";
    // A notice stays while the member is on the screen it was meant for, even through redraws.
    if (flash && flash.hash === location.hash.replace(/^#$/, "")) {
      view.appendChild(h("p", { "class": "flash flash-success", role: "status", text: flash.text }));
    }
    nodes.forEach(function (n) { if (n) view.appendChild(n); });
  }

  function load() {
    return Outbox.currentUser().then(function (u) {
      user = u;
      document.getElementById("who").textContent = u ? u.name : "";
      if (!u) return;
      return Promise.all([Outbox.households(u.id), Outbox.list(u.id), Outbox.getKv(u.id, "services"),
                          window.Notices ? Notices.cached(u.id) : [], Outbox.getKv(u.id, "earliest")])
        .then(function (r) {
          earliest = r[4] || null;
          homes = r[0].filter(function (x) { return x.village_id === u.village_id; })
            .sort(function (a, b) { return a.code.localeCompare(b.code, "vi", { numeric: true }); });
          recs = r[1].sort(function (a, b) { return a.created - b.created; });
          services = r[2] || [];
          news = r[3];
        });
    });
  }

  function pendingCounts(householdId) {
    var out = {};
    recs.forEach(function (r) {
      if (r.kind !== "visit" || r.status !== "pending" || r.body.household_id !== householdId) return;
      r.body.assists.forEach(function (a) { out[a.service] = (out[a.service] || 0) + a.count; });
    });
    return out;
  }

  function cap(service, home) {
    // The server's catalogue names the household's count of those eligible (/api/v1/services
    // eligible_from; "households": the household itself, once); none: no lifetime cap.
    var from = service.eligible_from;
    if (!from) return undefined;
    return from === "households" ? 1 : home[from];
  }

  function remaining(service, home) {
    var c = cap(service, home);
    if (c === undefined) return null;
    var done = (home.achieved[service.code] || 0) + (pendingCounts(home.id)[service.code] || 0);
    return Math.max(c - done, 0);
  }

  // The same key as the server's search (fieldapp/text.py fold): no diacritics, no case, single spaces.
  function fold(text) {
    if (!text) return "";
    return text.replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD").replace(/\p{Mn}/gu, "")
      .toLowerCase().split(/\s+/).filter(Boolean).join(" ");
  }

  function terms(query) { return fold(query).split(" ").filter(Boolean).slice(0, 8); }

  // What the server will say once the waiting visits arrive: the latest visit decides the status and
  // the promised return day.
  function lastVisit(home) {
    var at = home.last_visited_at ? Date.parse(home.last_visited_at) : null, outcome = home.last_outcome || null;
    var back = home.return_on || null;
    recs.forEach(function (r) {
      if (r.kind !== "visit" || r.status !== "pending" || r.body.household_id !== home.id) return;
      var when = Date.parse(r.body.visited_at);
      if (at === null || when >= at) { at = when; outcome = r.body.outcome; back = r.body.return_on || null; }
    });
    return { at: at, outcome: outcome, back: back };
  }

  // Local calendar days as the server writes them (YYYY-MM-DD), from this phone's clock.
  function isoDay(d) {
    var p = function (n) { return String(n).padStart(2, "0"); };
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate());
  }
  function dayOf(iso) { var x = iso.split("-"); return new Date(+x[0], +x[1] - 1, +x[2]); }
  function today() { return isoDay(new Date()); }
  function daysBetween(a, b) { return Math.round((dayOf(b) - dayOf(a)) / DAY); }
  function shortDay(iso) { var x = iso.split("-"); return x[2] + "/" + x[1]; }

  // The quick picks of "when do you come back" (as fieldapp/visits/forms.py quick_return_days): tonight,
  // tomorrow, the coming Saturday (on a Saturday, the Sunday).
  function quickDays(fromIso) {
    var d = dayOf(fromIso), plus = function (n) { return isoDay(new Date(d.getFullYear(), d.getMonth(), d.getDate() + n)); };
    var weekday = (d.getDay() + 6) % 7;  // Monday 0, as Python's weekday()
    return [["tonight", plus(0)], ["tomorrow", plus(1)], ["weekend", plus((5 - weekday + 7) % 7 || 1)]];
  }

  function isDue(home) { var b = lastVisit(home).back; return !!b && b <= today(); }
  function mine(home) { return home.assignee_id === user.id; }

  var FILTERS = {
    all: null,
    mine: mine,
    unvisited: function (home) { return lastVisit(home).at === null; },
    revisit: function (home) { return COME_BACK.indexOf(lastVisit(home).outcome) >= 0; },
    due: isDue
  };
  var listState = { q: "", filter: null, sort: "code" };

  function byCode(a, b) { return a.code.localeCompare(b.code, "vi", { numeric: true }); }
  function byLast(a, b) {  // the longest without a visit first; never visited before all
    var x = lastVisit(a).at, y = lastVisit(b).at;
    if (x === y) return byCode(a, b);
    if (x === null) return -1;
    if (y === null) return 1;
    return x - y || byCode(a, b);
  }

  function status(x) {
    var last = lastVisit(x);
    var text = x.pending ? t("newHousehold") : last.at === null ? t("notVisited")
      : t("visits", { n: x.visit_count + pendingVisits(x.id) });
    if (last.outcome && OUTCOMES.indexOf(last.outcome) >= 0 && last.at !== null) text += " · " + t(last.outcome);
    if (last.at !== null) {
      var ago = daysBetween(isoDay(new Date(last.at)), today());
      if (ago >= LONG_SINCE) text += " · " + t("longSince", { n: ago });
    }
    if (last.back) {
      var late = daysBetween(last.back, today());
      text += " · " + (late > 0 ? t("overdue", { n: late }) : late === 0 ? t("dueToday") : t("backOn", { d: shortDay(last.back) }));
    }
    return text;
  }

  function homeLink(x) {
    return h("li", {}, [h("a", { href: "#h/" + x.id, "class": "household-link", "data-id": x.id }, [
      h("strong", { text: x.code }), " ", x.head_name || "", " ", h("small", { text: status(x) })])]);
  }

  function listView() {
    if (!user) return show([h("p", { "class": "flash flash-info", text: t("noUser") }),
                            h("a", { "class": "button primary wide", href: "/login?next=/app", text: t("signInLink") })]);
    var q = h("input", { type: "search", placeholder: t("search"), "aria-label": t("search"), value: listState.q,
                         autocomplete: "off" });
    var ul = h("ul", { "class": "households" });
    var count = h("p", { "class": "summary", role: "status" });
    var mineCount = homes.filter(mine).length;
    // A member sees "Hộ của tôi" first (the server's list does the same).
    if (listState.filter === null) listState.filter = mineCount ? "mine" : "";
    var chips = h("div", { "class": "chips", role: "group", "aria-label": t("filter") });
    var due = homes.filter(isDue).filter(function (x) { return !mineCount || mine(x); })
      .sort(function (a, b) { return lastVisit(a).back < lastVisit(b).back ? -1 : lastVisit(a).back > lastVisit(b).back ? 1 : byCode(a, b); });
    var options = (mineCount ? [["mine", t("mine", { n: mineCount })]] : []).concat(
      [["", t("all")], ["unvisited", t("notVisited")], ["revisit", t("needsReturn")]],
      homes.some(isDue) ? [["due", t("dueChip", { n: homes.filter(isDue).length })]] : []);
    options.forEach(function (f) {
      var chip = h("button", { type: "button", "class": "chip" + (listState.filter === f[0] ? " on" : ""),
                               "aria-pressed": String(listState.filter === f[0]), "data-filter": f[0], text: f[1],
                               on: { click: function () { listState.filter = f[0]; listView(); } } });
      chips.appendChild(chip);
    });
    var sorts = h("div", { "class": "chips", role: "group", "aria-label": t("sortBy") });
    [["code", t("byCode")], ["last", t("byLast")]].forEach(function (o) {
      sorts.appendChild(h("button", { type: "button", "class": "chip" + (listState.sort === o[0] ? " on" : ""),
                                      "aria-pressed": String(listState.sort === o[0]), "data-sort": o[0], text: o[1],
                                      on: { click: function () { listState.sort = o[0]; listView(); } } }));
    });
    function fill() {
      var words = terms(q.value);
      listState.q = q.value;
      var keep = FILTERS[listState.filter || "all"];
      ul.textContent = "";
      var shown = homes.filter(function (x) {
        var key = fold(x.code + " " + (x.head_name || ""));
        return words.every(function (w) { return key.indexOf(w) >= 0; }) && (!keep || keep(x));
      }).sort(listState.sort === "last" ? byLast : byCode);
      shown.forEach(function (x) { ul.appendChild(homeLink(x)); });
      count.textContent = t("shown", { n: shown.length, total: homes.length });
    }
    q.addEventListener("input", fill);
    fill();
    var dueBox = due.length ? h("section", { "class": "due", "aria-labelledby": "due-title" }, [
      h("h2", { id: "due-title", text: t("dueTitle") }),
      h("ul", { "class": "households" }, due.slice(0, 8).map(homeLink))]) : null;
    show([h("h1", { text: (user.village_name || "") }), notices(), dueBox, q, chips, sorts, count,
          homes.length ? ul : h("p", { text: t("empty") }),
          h("a", { "class": "button wide", href: "#new", text: t("addHousehold") })]);
  }

  function pendingVisits(householdId) {
    return recs.filter(function (r) {
      return r.kind === "visit" && r.status === "pending" && r.body.household_id === householdId;
    }).length;
  }

  // The commune's notices kept on the phone: those not read yet in full, with "Tôi đã xem".
  function noticeCard(n, withButton) {
    var day = n.expires_on.split("-").reverse().slice(0, 2).join("/");
    var kids = [h("p", { "class": "notice-meta", text: t("noticeUntil", { d: day }) }),
                n.campaign ? h("p", { "class": "notice-meta" }, [h("span", { "class": "tag tag-new",
                  text: t("noticeCampaign", { name: n.campaign.name }) })]) : null,
                h("h3", { text: n.title }), n.body ? h("p", { "class": "notice-body", text: n.body }) : null,
                n.team_members !== null && n.team_members !== undefined
                  ? h("p", { "class": "meta", text: t("noticeTeam", { seen: n.team_seen, n: n.team_members }) }) : null];
    if (withButton) {
      kids.push(h("div", { "class": "notice-actions" }, [h("button", { type: "button", "class": "button primary",
        text: t("noticeSeen"), on: { click: function () {
          Notices.markSeen(user.id, n.id).then(function () {
            flash = { text: t("noticeNoted"), hash: location.hash.replace(/^#$/, "") };
            return load();
          }).then(route);
        } } })]));
    } else {
      kids.push(h("p", {}, [h("span", { "class": "tag tag-helped", text: t("noticeSeenTag") })]));
    }
    return h("article", { "class": "notice" + (withButton ? "" : " seen"), "data-notice": n.id }, kids);
  }

  function notices() {
    var unseen = news.filter(function (n) { return !n.seen; }), seen = news.length - unseen.length;
    if (!news.length) return null;
    var box = h("section", { "class": "notices", id: "shell-notices" },
                unseen.length ? [h("h2", { text: t("notices") })] : []);
    unseen.slice(0, 3).forEach(function (n) { box.appendChild(noticeCard(n, true)); });
    var more = unseen.length > 3 ? t("noticesMore", { n: unseen.length - 3 }) : seen ? t("noticesRead", { n: seen }) : "";
    if (more) box.appendChild(h("p", {}, [h("a", { href: "#notices", text: more + " ›" })]));
    return box;
  }

  function noticesView() {
    show([h("p", { "class": "crumbs" }, [h("a", { href: "#", text: t("back") })]), h("h1", { text: t("notices") }),
          news.length ? h("div", {}, news.map(function (n) { return noticeCard(n, !n.seen); }))
            : h("p", { "class": "empty", text: t("noticesNone") })]);
  }

  function field(label, input) {
    return h("div", { "class": "field" }, [h("label", { "for": input.id, text: label }), input]);
  }

  function num(id, value, max) {
    return h("input", { id: id, name: id, type: "number", inputmode: "numeric", min: 0, max: max, value: value });
  }

  function localNow(date) {
    var d = date || new Date();
    var p = function (n) { return String(n).padStart(2, "0"); };
    if (isNaN(d.getTime())) d = new Date();
    return String(d.getFullYear()).padStart(4, "0") + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + "T" + p(d.getHours()) + ":" + p(d.getMinutes());
  }

  function errorBox() { return h("p", { "class": "flash flash-error", role: "alert", hidden: true }); }

  function visitView(id, old) {
    var home = homes.find(function (x) { return x.id === id; });
    if (!home) return listView();
    var prev = old ? old.body : { outcome: "helped", note: "", assists: [] };
    var given = {};
    prev.assists.forEach(function (a) { given[a.service] = a.count; });
    var err = errorBox();
    if (old && old.error) { err.textContent = old.error; err.hidden = false; }
    var outcomes = h("fieldset", { "class": "outcomes" }, [h("legend", { text: t("outcome") })].concat(
      OUTCOMES.map(function (o) {
        return h("label", { "class": "pill" }, [h("input", { type: "radio", name: "outcome", value: o,
          checked: prev.outcome === o }), " ", h("span", { text: t(o) })]);
      })));
    var steppers = services.map(function (s) {
      var left = remaining(s, home);
      var input = num("svc_" + s.code, given[s.code] || 0, left === null ? home.residents_total : left);
      input.className = "count";
      input.dataset.service = s.code;
      input.addEventListener("change", function () {
        if (parseInt(input.value, 10) > 0) outcomes.querySelector('[value="helped"]').checked = true;
      });
      var step = function (by, sign, label) {
        return h("button", { type: "button", "class": "step", "aria-label": label, text: sign, on: { click: function () {
          var max = parseInt(input.max, 10);
          input.value = Math.max(0, Math.min(max, (parseInt(input.value, 10) || 0) + by));
          input.dispatchEvent(new Event("change"));
        } } });
      };
      return h("div", { "class": "stepper-row" }, [h("label", { "for": input.id }, [s.short_name + " ",
        left === null ? null : h("small", { "class": "left", text: left ? t("left", { n: left }) : t("full") })]),
        h("div", { "class": "stepper" }, [step(-1, "−", t("less")), input, step(1, "+", t("more"))])]);
    });
    var note = h("textarea", { id: "note", name: "note", rows: 2, maxlength: RULES.maxNote });
    note.value = prev.note || "";
    var when = h("input", { id: "visited_at", type: "datetime-local", min: earliest ? earliest + "T00:00" : null,
      value: localNow(prev.visited_at ? new Date(prev.visited_at) : null) });
    // "Không có nhà" / "Hẹn quay lại" ask when: quick picks, or a day of one's own.
    var picks = quickDays(today());
    var given = prev.return_on || "";
    var known = picks.some(function (p) { return p[1] === given; });
    var pickDay = h("input", { id: "return_day", name: "return_day", type: "date", min: today(),
                               value: given && !known ? given : "" });
    var dayBox = h("div", { "class": "field return-day" }, [h("label", { "for": "return_day", text: t("returnDay") }), pickDay]);
    var choice = function (value, label, on) {
      return h("label", { "class": "pill" }, [h("input", { type: "radio", name: "return_on", value: value, checked: on }),
                                              " ", h("span", { text: label })]);
    };
    var returnBox = h("fieldset", { "class": "return-when" }, [h("legend", { text: t("returnWhen") }),
      h("div", { "class": "picks" }, [choice("", t("noReturn"), !given)].concat(picks.map(function (p) {
        return choice(p[1], t(p[0]) + " · " + shortDay(p[1]), given === p[1]);
      }), [choice("pick", t("pickDay"), !!given && !known)])), dayBox]);
    var syncReturn = function () {
      var o = (outcomes.querySelector('input[name="outcome"]:checked') || {}).value;
      returnBox.hidden = COME_BACK.indexOf(o) < 0;
      dayBox.hidden = ((returnBox.querySelector('input[name="return_on"]:checked') || {}).value !== "pick");
    };
    outcomes.addEventListener("change", syncReturn);
    returnBox.addEventListener("change", syncReturn);
    syncReturn();
    var form = h("form", { "class": "visit-form", novalidate: true }, [err, outcomes, returnBox,
      h("fieldset", { "class": "services" }, [h("legend", { text: t("served") })].concat(steppers)),
      field(t("note"), note), field(t("visitedAt"), when),
      h("button", { type: "submit", "class": "button primary wide sticky", text: t("save") })]);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var outcome = (form.querySelector('input[name="outcome"]:checked') || {}).value;
      var assists = [], problems = [];
      steppers.forEach(function (row) {
        var input = row.querySelector("input");
        var n = parseInt(input.value, 10) || 0;
        if (n > parseInt(input.max, 10)) problems.push(t("overCap", { service: row.querySelector("label").firstChild.textContent.trim(), n: input.max }));
        if (n > 0) assists.push({ service: input.dataset.service, count: n });
      });
      if (outcome === "helped" && !assists.length) problems.push(t("needService"));
      if (outcome !== "helped" && assists.length) problems.push(t("onlyHelped"));
      var at = new Date(when.value || Date.now());
      if (isNaN(at.getTime()) || at.getFullYear() < 2000) problems.push(t("badWhen"));  // the future: the server's clock decides
      else if (earliest && isoDay(at) < earliest) problems.push(t("tooOld", { d: shortDay(earliest) + "/" + earliest.slice(0, 4) }));
      var back = null;
      if (COME_BACK.indexOf(outcome) >= 0) {
        back = (returnBox.querySelector('input[name="return_on"]:checked') || {}).value || null;
        if (back === "pick") back = pickDay.value || null;
        if (back === null && (returnBox.querySelector('input[name="return_on"]:checked') || {}).value === "pick") problems.push(t("needReturnDay"));
        else if (back && !isNaN(at.getTime()) && back < isoDay(at)) problems.push(t("returnBefore"));
      }
      if (problems.length) { err.textContent = problems.join(" "); err.hidden = false; err.scrollIntoView(); return; }
      var body = { id: Outbox.uuid(), household_id: home.id, outcome: outcome, note: note.value.trim(),
                   visited_at: at.toISOString(), assists: assists };
      if (back) body.return_on = back;
      var label = home.code + " · " + t(outcome);
      var drop = old ? Outbox.discard(user.id, old.id) : Promise.resolve();
      drop.then(function () { return Outbox.add(user.id, "visit", body, label); }).then(function () {
        flash = { text: t("savedLocal"), hash: "" };
        location.hash = "#";
        FieldApp.queued();
      });
    });
    show([h("p", { "class": "crumbs" }, [h("a", { href: "#", text: t("back") })]),
          h("h1", { text: t("logVisit") + " · " + home.code }), form]);
  }

  function householdView(old) {
    if (!user) return listView();
    var prev = old ? old.body : {};
    var err = errorBox();
    if (old && old.error) { err.textContent = old.error; err.hidden = false; }
    var code = h("input", { id: "code", name: "code", maxlength: 40, value: prev.code || "" });
    var most = RULES.maxResidents;
    var total = num("residents_total", prev.residents_total || "", most);
    var a14 = num("residents_14plus", prev.residents_14plus === undefined ? "" : prev.residents_14plus, most);
    var a18 = num("residents_18plus", prev.residents_18plus === undefined ? "" : prev.residents_18plus, most);
    var phones = num("smartphones", prev.smartphones || 0, most);
    var form = h("form", { novalidate: true }, [err, field(t("code"), code), field(t("total"), total),
      field(t("a14"), a14), field(t("a18"), a18), field(t("phones"), phones),
      h("button", { type: "submit", "class": "button primary wide", text: t("saveHousehold") })]);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var n = function (i) { return parseInt(i.value, 10); };
      var body = { id: old ? old.id : Outbox.uuid(), village_id: user.village_id, code: code.value.trim(),
                   residents_total: n(total), residents_14plus: n(a14), residents_18plus: n(a18),
                   smartphones: n(phones) || 0, created_at: prev.created_at || new Date().toISOString() };
      var problem = !body.code ? t("needCode")
        : !(body.residents_total >= 1 && body.residents_total <= most && body.residents_14plus >= 0 &&
            body.residents_14plus <= body.residents_total && body.residents_18plus >= 0 &&
            body.residents_18plus <= body.residents_14plus) ? t("badCounts") : "";
      if (problem) { err.textContent = problem; err.hidden = false; return; }
      Outbox.add(user.id, "household", body, body.code).then(function () {
        flash = { text: t("savedLocal"), hash: "#h/" + body.id };
        FieldApp.queued();
        return load();
      }).then(function () { location.hash = "#h/" + body.id; });
    });
    show([h("p", { "class": "crumbs" }, [h("a", { href: "#", text: t("back") })]),
          h("h1", { text: t("addHousehold") }), form]);
  }

  function reason(r) {
    if (r.error) return r.error;
    return t({ too_large: "refusedTooLarge", server: "refusedServer" }[r.reason] || "refusedRequest");
  }

  function outboxView() {
    if (!user) return show([h("p", { "class": "flash flash-info", text: t("noUser") })]);
    var redraw = function () { return load().then(route).then(FieldApp.render); };
    var items = recs.map(function (r) {
      var kids = [h("strong", { text: r.label }), " ",
                  h("small", { text: r.status === "rejected" ? t("refused") : t("waiting") })];
      if (r.status === "rejected") {
        kids.push(h("p", { "class": "error", text: reason(r) }));
        var actions = h("div", { "class": "actions" }, [
          h("a", { "class": "button", href: (r.kind === "visit" ? "#fix/" : "#fixh/") + r.id, text: t("fix") }),
          h("button", { type: "button", "class": "button", text: t("retry"), on: { click: function () {
            Outbox.retry(user.id, r.id).then(redraw).then(function () { return FieldApp.run(); });
          } } }),
          h("button", { type: "button", "class": "button danger", text: t("discard"), on: { click: function () {
            if (window.confirm(t("confirmDiscard"))) Outbox.discard(user.id, r.id).then(redraw);
          } } })]);
        kids.push(actions);
      }
      return h("li", { "class": "outbox-item " + r.status, "data-id": r.id }, kids);
    });
    var refused = recs.filter(function (r) { return r.status === "rejected"; }).length;
    show([h("h1", { text: t("outbox") }),
          refused ? h("p", { "class": "hint", text: t("refusedHint") }) : null,
          items.length ? h("ul", { "class": "outbox" }, items) : h("p", { text: t("nothingWaiting") }),
          h("button", { type: "button", "class": "button wide", text: t("syncNow"), on: { click: function () { FieldApp.run(); } } })]);
  }

  function markTab() {
    var here = location.hash.replace(/^#/, "").split("/")[0];
    var key = here === "outbox" ? "#outbox" : here === "new" || here === "fixh" ? "#new" : "#";
    document.querySelectorAll("#shell-tabs a").forEach(function (a) {
      if (a.getAttribute("href") === key) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    });
  }

  function route() {
    markTab();
    var hash = location.hash.replace(/^#/, "");
    var parts = hash.split("/");
    var rec = function () { return recs.find(function (r) { return r.id === parts[1]; }); };
    if (parts[0] === "h") return visitView(parts[1]);
    if (parts[0] === "fix" && rec()) return visitView(rec().body.household_id, rec());
    if (parts[0] === "new") return householdView();
    if (parts[0] === "fixh" && rec()) return householdView(rec());
    if (parts[0] === "outbox") return outboxView();
    if (parts[0] === "notices" && user) return noticesView();
    return listView();
  }

  window.addEventListener("hashchange", function () {
    if (flash && flash.hash !== location.hash.replace(/^#$/, "")) flash = null;
    load().then(route);
  });
  // New data from the server: redraw lists, never a form someone is typing in.
  function redrawLists() {
    var busy = /^#(h|fix|new|fixh)\b/.test(location.hash);
    load().then(function () { if (!busy) route(); });
  }
  document.addEventListener("outbox:synced", redrawLists);
  document.addEventListener("notices:updated", redrawLists);
  load().then(route);
})();
