// incsim drill: one script for every served view. Every string from the server is written with
// textContent (never as markup); the page takes its data from its own Server-Sent Events stream.
(function () {
  "use strict";
  var view = document.body.dataset.view;
  var app = document.getElementById("app");
  var parts = location.pathname.split("/");
  var token = (view === "player" || view === "facilitator") ? parts[2] : "join";
  var base = view === "room" ? "" : (view === "join" ? "/join" : "/" + parts[1] + "/" + parts[2]);
  var state = null;
  var drafts = {};

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function button(label, onClick, cls) {
    var b = el("button", cls || "", label);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }
  function field(name, label, kind) {
    var wrap = el("label", "field");
    wrap.appendChild(el("span", "", label));
    var input = el(kind === "area" ? "textarea" : "input");
    input.name = name;
    if (drafts[name] !== undefined) { input.value = drafts[name]; }
    input.addEventListener("input", function () { drafts[name] = input.value; });
    wrap.appendChild(input);
    return wrap;
  }
  function select(name, options) {
    var s = el("select");
    s.name = name;
    options.forEach(function (o) {
      var opt = el("option", "", o[1]);
      opt.value = o[0];
      s.appendChild(opt);
    });
    if (drafts[name] !== undefined) { s.value = drafts[name]; }
    s.addEventListener("change", function () { drafts[name] = s.value; });
    return s;
  }
  function say(text, bad) {
    var box = document.getElementById("notice");
    if (box) { box.textContent = text; box.className = bad ? "notice bad" : "notice"; }
  }
  function post(path, body) {
    return fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-Incsim-Token": token},
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.text().then(function (t) {
        var data = {};
        try { data = JSON.parse(t); } catch (e) { data = {error: t}; }
        if (!r.ok) { say(data.error || t || ("refused: " + r.status), true); throw new Error("refused"); }
        say("");
        return data;
      });
    });
  }
  function act(body) { return post(base + "/act", body).catch(function () {}); }
  function cmd(body) { return post(base + "/do", body).catch(function () {}); }

  function header(s) {
    var h = el("header");
    h.appendChild(el("h1", "", s.title));
    var st = s.status || {};
    h.appendChild(el("div", "clock", st.clock + (st.local ? " \u00b7 " + st.local : "")));
    var bits = [st.protocol, st.services_affected + " services affected", st.people_engaged + " engaged"];
    if (st.room_open) { bits.push("call open"); }
    if (st.exposure) { bits.push("exposure " + st.exposure); }
    bits.push(st.resolved ? "RESOLVED" : (st.mitigated ? "mitigated" : "ongoing"));
    if (st.finished) { bits.push("the drill is over"); }
    h.appendChild(el("div", "status", bits.join(" \u00b7 ")));
    return h;
  }
  function feed(items, title, channels) {
    var sec = el("section", "feed");
    sec.appendChild(el("h2", "", title));
    var ol = el("ol");
    items.filter(function (f) { return !channels || channels.indexOf(f.channel) >= 0; })
      .slice().reverse().forEach(function (f) {
        var li = el("li", "k-" + f.kind + " c-" + f.channel);
        li.appendChild(el("span", "t", f.clock));
        li.appendChild(el("span", "who", f.sender));
        li.appendChild(el("span", "text", f.text));
        ol.appendChild(li);
      });
    sec.appendChild(ol);
    return sec;
  }
  function decisionBox(d, onPick) {
    var box = el("section", "decision");
    box.appendChild(el("h2", "", "Decision for " + d.role + " (default at " + d.deadline + ")"));
    box.appendChild(el("p", "prompt", d.prompt));
    var ol = el("ol");
    d.options.forEach(function (o) {
      var li = el("li");
      if (onPick) {
        li.appendChild(button(o.label + (o.recommended ? " \u2605" : ""), function () { onPick(o.id); }));
      } else {
        li.textContent = o.label;
      }
      ol.appendChild(li);
    });
    box.appendChild(ol);
    return box;
  }

  function renderRoom(s) {
    var code = el("section", "join");
    code.appendChild(el("div", "dim", "join on your phone"));
    code.appendChild(el("div", "code", s.code));
    var img = el("img");
    img.src = "/qr.svg";
    img.alt = "QR code of the join page";
    code.appendChild(img);
    var main = el("div", "cols");
    main.appendChild(feed(s.feed, "incident channel", ["incident", "page", "email", "status", "facilitator"]));
    main.appendChild(feed(s.feed, "executive channel", ["executive"]));
    return [header(s), code, s.decision ? decisionBox(s.decision, null) : el("div"), main];
  }

  function renderPlayer(s) {
    var out = [header(s)];
    var card = el("section", "card");
    card.appendChild(el("h2", "", s.role.title));
    card.appendChild(el("p", "", s.role.briefing));
    if (s.role.person && s.role.person !== s.role.id) { card.appendChild(el("p", "dim", "you are " + s.role.person)); }
    out.push(card);
    if (s.page_waiting) {
      var page = el("section", "page");
      page.appendChild(el("h2", "", "You are paged"));
      page.appendChild(button("Acknowledge the page", function () { act({action: "ack"}); }, "big"));
      out.push(page);
    }
    if (s.decision) {
      out.push(decisionBox(s.decision, function (option) {
        act({action: "decide", decision: s.decision.id, option: option});
      }));
    }
    var form = el("section", "composer");
    form.appendChild(el("h2", "", "Post an update"));
    form.appendChild(select("channel", [["incident", "incident channel"], ["executive", "executive channel"],
                                        ["status", "status page"]]));
    form.appendChild(select("status", [["investigating", "investigating"], ["mitigated", "mitigated"]]));
    form.appendChild(field("impact", "Impact (services, comma-separated)"));
    form.appendChild(field("next_steps", "Next steps"));
    form.appendChild(field("eta", "ETA (minutes, or empty if unknown)"));
    form.appendChild(field("text", "Status in your words", "area"));
    form.appendChild(button("Post", function () {
      var eta = parseFloat(drafts.eta || "");
      act({action: "update", channel: drafts.channel || "incident", status: drafts.status || "investigating",
           impact: (drafts.impact || "").split(",").map(function (x) { return x.trim(); }).filter(Boolean),
           next_steps: drafts.next_steps || "", eta: isNaN(eta) ? null : eta, text: drafts.text || ""})
        .then(function () { drafts.text = ""; drafts.next_steps = ""; });
    }, "big"));
    out.push(form);
    var more = el("section", "actions");
    more.appendChild(button("Join", function () { act({action: "join"}); }));
    more.appendChild(button("Leave", function () { act({action: "leave"}); }));
    more.appendChild(button("Answer \u201cany updates?\u201d", function () { act({action: "answer"}); }));
    more.appendChild(button("Escalate to a call", function () { act({action: "escalate"}); }));
    more.appendChild(field("who", "Page (team, role or person)"));
    more.appendChild(button("Page", function () { act({action: "page", who: drafts.who || ""}); }));
    more.appendChild(field("team", "Ask a team's expert"));
    more.appendChild(button("Ask", function () { act({action: "ask", team: drafts.team || ""}); }));
    more.appendChild(button("Declare mitigated", function () { act({action: "mitigated"}); }));
    more.appendChild(field("to", "Hand command to (person or team)"));
    more.appendChild(button("Hand over", function () { act({action: "handover", to: drafts.to || ""}); }));
    out.push(more);
    out.push(feed(s.feed, "your channels", null));
    return out;
  }

  function renderFacilitator(s) {
    var out = [header(s)];
    var bar = el("section", "controls");
    bar.appendChild(button("Step", function () { cmd({cmd: "step"}); }));
    bar.appendChild(button("+5 min", function () { cmd({cmd: "advance", minutes: 5}); }));
    bar.appendChild(button(s.running ? "Pause" : "Start clock", function () { cmd({cmd: "pause"}); }));
    bar.appendChild(button("Slower", function () { cmd({cmd: "speed", direction: -1}); }));
    bar.appendChild(el("span", "dim", "\u00d7" + s.speed));
    bar.appendChild(button("Faster", function () { cmd({cmd: "speed", direction: 1}); }));
    bar.appendChild(button("Finish", function () { cmd({cmd: "finish"}); }, "bad"));
    bar.appendChild(el("span", "dim", "code " + s.code + (s.written ? " \u00b7 written to " + s.written : "")));
    out.push(bar);
    if (s.decision) {
      out.push(decisionBox(s.decision, function (option) {
        cmd({cmd: "decide", decision: s.decision.id, option: option});
      }));
    }
    var tools = el("section", "tools");
    if (s.on_demand.length) {
      tools.appendChild(select("inject", s.on_demand.map(function (i) { return [i.id, i.title]; })));
      tools.appendChild(button("Fire inject", function () {
        cmd({cmd: "fire", inject: drafts.inject || s.on_demand[0].id});
      }));
    }
    tools.appendChild(field("note", "Note"));
    tools.appendChild(select("objective", [["", "(no objective)"]].concat(
      s.objectives.map(function (o) { return [o.id, o.text]; }))));
    tools.appendChild(button("Add note", function () {
      cmd({cmd: "note", text: drafts.note || "", objective: drafts.objective || null})
        .then(function () { drafts.note = ""; });
    }));
    out.push(tools);
    var exp = el("section", "expectations");
    exp.appendChild(el("h2", "", "Expectations"));
    s.expectations.forEach(function (e) {
      var row = el("div", "row");
      row.appendChild(el("span", "", e.text));
      row.appendChild(el("strong", "", e.outcome || "\u2014"));
      ["met", "partial", "missed"].forEach(function (o) {
        row.appendChild(button(o, function () { cmd({cmd: "mark", expectation: e.id, outcome: o}); }));
      });
      exp.appendChild(row);
    });
    out.push(exp);
    var up = el("section", "upcoming");
    up.appendChild(el("h2", "", "Upcoming"));
    s.upcoming.forEach(function (u) { up.appendChild(el("div", "", u.id + " \u00b7 " + u.when)); });
    s.roles.forEach(function (r) {
      up.appendChild(el("div", "dim", r.title + ": " + (r.played ? r.devices + " device(s)" : "the model")));
    });
    out.push(up);
    var hw = el("section", "hotwash");
    hw.appendChild(el("h2", "", "Hot wash"));
    hw.appendChild(select("question", s.hotwash.map(function (q) { return [q, q]; })));
    hw.appendChild(field("answer", "Answer"));
    hw.appendChild(button("Record", function () {
      cmd({cmd: "hotwash", question: drafts.question || s.hotwash[0], answer: drafts.answer || ""})
        .then(function () { drafts.answer = ""; });
    }));
    out.push(hw);
    out.push(feed(s.feed, "everything", null));
    return out;
  }

  function renderJoin(data) {
    var out = [el("h1", "", data.title)];
    var q = new URLSearchParams(location.search);
    if (drafts.code === undefined && q.get("code")) { drafts.code = q.get("code"); }
    out.push(field("code", "Session code (on the projector)"));
    out.push(el("p", "", "Choose your role:"));
    data.roles.forEach(function (r) {
      out.push(button(r.title + (r.devices ? " (" + r.devices + " joined)" : ""), function () {
        post("/join", {code: drafts.code || "", role: r.id}).then(function (d) { location.assign(d.url); })
          .catch(function () {});
      }, "big"));
    });
    return out;
  }

  function draw(nodes) {
    var focused = document.activeElement && document.activeElement.name;
    while (app.firstChild) { app.removeChild(app.firstChild); }
    var notice = el("div", "notice");
    notice.id = "notice";
    app.appendChild(notice);
    nodes.forEach(function (n) { app.appendChild(n); });
    if (focused) {
      var again = app.querySelector("[name='" + focused.replace(/[^a-z_]/g, "") + "']");
      if (again) { again.focus(); }
    }
  }

  if (view === "join") {
    fetch("/join/roles", {credentials: "same-origin"}).then(function (r) { return r.json(); })
      .then(function (d) { draw(renderJoin(d)); });
    return;
  }
  var source = new EventSource(base + "/events");
  source.onmessage = function (ev) {
    state = JSON.parse(ev.data);
    var busy = document.activeElement && (document.activeElement.tagName === "INPUT" ||
                                          document.activeElement.tagName === "TEXTAREA");
    var render = {room: renderRoom, player: renderPlayer, facilitator: renderFacilitator}[view];
    draw(render(state));
    document.title = state.title + " \u2014 " + view;
    if (busy) { /* the field was refocused by draw */ }
  };
  source.onerror = function () { say("reconnecting\u2026", true); };
}());
