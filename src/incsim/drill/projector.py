"""The projector page: a read-only view of a running drill for the room's shared screen.

A stdlib ``ThreadingHTTPServer`` in a daemon thread serves one self-contained page (its style
and script inline, allowed by hash in a strict Content-Security-Policy, so the browser makes no
request but to this server) and a Server-Sent Events stream that pushes ``session.snapshot()``
whenever it changes. The page writes every string with ``textContent``: a hostile scenario name
or inject text shows as text, never as markup. The facilitator's notes are not shown.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import socket
import threading
import weakref
from contextlib import AbstractContextManager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

POLL_S = 0.25        # how often a stream looks for a new snapshot
KEEPALIVE_S = 15.0   # a comment line this often keeps proxies and the browser from timing out
RETRY_MS = 2000      # how soon the browser reconnects after the stream drops

_LOCKS: weakref.WeakKeyDictionary[Any, threading.RLock] = weakref.WeakKeyDictionary()
_LOCKS_BY_ID: dict[int, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()


def guard(session: Any) -> AbstractContextManager:
    """The lock that serialises a session's readers (this server's threads) and its driver (the console)."""
    with _LOCKS_GUARD:
        try:
            lock = _LOCKS.get(session)
            if lock is None:
                lock = _LOCKS[session] = threading.RLock()
        except TypeError:  # a session that cannot be weakly referenced lives as long as the process
            lock = _LOCKS_BY_ID.setdefault(id(session), threading.RLock())
    return lock


def snapshot_json(session: Any) -> str:
    """The session's snapshot as one line of JSON (what a Server-Sent Event carries)."""
    with guard(session):
        snap = session.snapshot()
    snap = dict(snap)
    snap.setdefault("title", getattr(session, "title", ""))
    # the facilitator's notes judge the players: they stay on the console, off the room's screen
    snap["feed"] = [item for item in snap.get("feed") or [] if item.get("kind") != "note"]
    return json.dumps(snap, default=str, separators=(",", ":"), allow_nan=False)


_STYLE = """
:root { color-scheme: dark; --bg: #10141a; --panel: #1a212b; --text: #e8edf2; --dim: #8b98a8;
        --accent: #ffb84d; --ok: #5fd38d; --bad: #ff6b6b; --exec: #7fb2ff; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 18px/1.35 system-ui, sans-serif; }
header { display: flex; align-items: baseline; gap: 1.5rem; padding: .6rem 1.2rem; background: var(--panel); }
h1 { font-size: 1.4rem; margin: 0; flex: 1; overflow-wrap: anywhere; }
#clock { font: 700 2.6rem/1 ui-monospace, monospace; color: var(--accent); }
#live { color: var(--dim); font-size: .9rem; }
#status { display: flex; flex-wrap: wrap; gap: .5rem; padding: .6rem 1.2rem; margin: 0; list-style: none; }
#status li { background: var(--panel); padding: .2rem .7rem; border-radius: .4rem; }
#status li.on { background: #3a2c12; color: var(--accent); }
#status li.good { background: #143122; color: var(--ok); }
main { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; padding: 0 1.2rem 1.2rem; }
section { background: var(--panel); border-radius: .5rem; padding: .6rem .9rem; min-width: 0; }
section.wide { grid-column: 1 / -1; }
h2 { font-size: .95rem; text-transform: uppercase; letter-spacing: .06em; color: var(--dim); margin: 0 0 .4rem; }
#inject .text { font-size: 1.5rem; color: var(--accent); overflow-wrap: anywhere; }
#decision ol { margin: .3rem 0 0; }
.meta { color: var(--dim); font-size: .9rem; }
ul.feed { list-style: none; margin: 0; padding: 0; max-height: 55vh; overflow-y: auto; }
ul.feed li { padding: .15rem 0; border-bottom: 1px solid #232c38; overflow-wrap: anywhere; }
ul.feed .t { color: var(--dim); font-family: ui-monospace, monospace; margin-right: .5rem; }
ul.feed .who { font-weight: 700; margin-right: .4rem; }
ul.feed li.inject .text { color: var(--accent); }
ul.feed li.decision .text { color: var(--exec); }
.tag { font-size: .75rem; background: #2c3644; border-radius: .3rem; padding: 0 .35rem; margin-right: .4rem; }
.hidden { display: none; }
"""

_SCRIPT = """
"use strict";
(function () {
  var byId = function (id) { return document.getElementById(id); };
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function clock(m) {
    var s = Math.round(Math.abs(Number(m) || 0) * 60);
    var mm = Math.floor(s / 60), ss = s % 60;
    return "T" + (m < 0 ? "-" : "+") + (mm < 10 ? "0" : "") + mm + ":" + (ss < 10 ? "0" : "") + ss;
  }
  function chip(list, text, cls) { var li = el("li", cls || "", text); list.appendChild(li); }
  function status(st, finished) {
    var list = byId("status");
    list.replaceChildren();
    chip(list, "protocol: " + (st.protocol || "?"));
    chip(list, "services affected: " + (st.services_affected || 0), st.services_affected > 1 ? "on" : "");
    chip(list, "people engaged: " + (st.people_engaged || 0));
    chip(list, st.room_open ? "war room open" : "no room", st.room_open ? "on" : "");
    if (st.exposure) { chip(list, "exposure " + st.exposure, "on"); }
    if (st.resolved) { chip(list, "resolved", "good"); }
    else if (st.mitigated) { chip(list, "mitigated", "good"); }
    if (finished) { chip(list, "drill over", "good"); }
  }
  function feedItem(item) {
    var li = el("li", item.kind || "");
    li.appendChild(el("span", "t", clock(item.t)));
    if (item.channel && item.channel !== "incident" && item.channel !== "exec") {
      li.appendChild(el("span", "tag", item.channel));
    }
    li.appendChild(el("span", "who", (item.sender || "") + ":"));
    li.appendChild(el("span", "text", item.text));
    return li;
  }
  function feeds(items) {
    var inc = byId("incident-feed"), exe = byId("exec-feed");
    inc.replaceChildren(); exe.replaceChildren();
    items.forEach(function (item) { (item.channel === "exec" ? exe : inc).appendChild(feedItem(item)); });
    [inc, exe].forEach(function (list) { list.scrollTop = list.scrollHeight; });
  }
  function inject(inj) {
    var box = byId("inject");
    box.classList.toggle("hidden", !inj);
    if (!inj) { return; }
    var body = byId("inject-body");
    body.replaceChildren();
    body.appendChild(el("div", "text", inj.text || inj.title || inj.id));
    var meta = [inj.t !== undefined ? clock(inj.t) : "", inj.channel, inj.sender || inj.from]
      .filter(function (x) { return x; }).join(" · ");
    body.appendChild(el("div", "meta", meta));
  }
  function decision(d, now) {
    var box = byId("decision");
    box.classList.toggle("hidden", !d);
    if (!d) { return; }
    var body = byId("decision-body");
    body.replaceChildren();
    body.appendChild(el("div", "text", d.prompt));
    var ol = el("ol");
    (d.options || []).forEach(function (o) { ol.appendChild(el("li", "", o.label)); });
    body.appendChild(ol);
    var left = d.deadline !== undefined ? " \u00b7 " + clock(d.deadline - now).slice(2) + " left" : "";
    body.appendChild(el("div", "meta", "for: " + (d.role || "?") + left));
  }
  function render(snap) {
    var st = snap.status || {};
    var now = st.now !== undefined ? st.now : snap.now;
    if (snap.title) { byId("title").textContent = snap.title; document.title = snap.title + " \u2014 drill"; }
    byId("clock").textContent = clock(now) + (st.local ? " \u00b7 " + st.local : "");
    status(st, snap.finished);
    feeds(snap.feed || snap.items || []);
    inject(snap.current_inject || snap.inject || null);
    decision(snap.pending_decision || snap.decision || null, now);
  }
  var first = byId("initial");
  if (first) { render(JSON.parse(first.textContent)); }
  if (window.EventSource) {
    var live = byId("live");
    var source = new EventSource("events");
    source.onopen = function () { live.textContent = "live"; };
    source.onmessage = function (ev) { render(JSON.parse(ev.data)); };
    source.onerror = function () { live.textContent = "reconnecting\u2026"; };
  }
})();
"""

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — drill</title>
<style>{style}</style>
</head><body>
<header><h1 id="title">{title}</h1><span id="live">connecting…</span><div id="clock">{clock}</div></header>
<ul id="status"></ul>
<main>
<section id="inject" class="wide hidden"><h2>Current inject</h2><div id="inject-body"></div></section>
<section id="decision" class="wide hidden"><h2>Decision pending</h2><div id="decision-body"></div></section>
<section><h2>Incident channel</h2><ul class="feed" id="incident-feed"></ul></section>
<section><h2>Exec channel</h2><ul class="feed" id="exec-feed"></ul></section>
</main>
<script type="application/json" id="initial">{initial}</script>
<script>{script}</script>
</body></html>
"""


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


CSP = "; ".join([
    "default-src 'none'", f"script-src {_sha256(_SCRIPT)}", f"style-src {_sha256(_STYLE)}",
    "connect-src 'self'", "img-src 'none'", "font-src 'none'", "base-uri 'none'", "form-action 'none'",
    "frame-ancestors 'none'",
])
_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store", "X-Frame-Options": "DENY"}


def _json_in_html(payload: str) -> str:
    # inside <script type="application/json"> the only danger is a closing tag or a comment opener
    return payload.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def page(session: Any) -> str:
    """The projector page with the current snapshot already in it (the stream keeps it live)."""
    payload = snapshot_json(session)
    snap = json.loads(payload)
    now = (snap.get("status") or {}).get("now", snap.get("now", 0.0)) or 0.0
    secs = round(abs(float(now)) * 60)
    return _PAGE.format(title=html.escape(str(snap.get("title", ""))), style=_STYLE, script=_SCRIPT,
                        clock=f"T+{secs // 60:02d}:{secs % 60:02d}", initial=_json_in_html(payload))


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "incsim-projector"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing."""
        # the console owns the terminal

    def _head(self, code: int, ctype: str, length: int | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        for k, v in _HEADERS.items():
            self.send_header(k, v)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def _send(self, code: int, ctype: str, body: str) -> None:
        data = body.encode("utf-8")
        self._head(code, ctype, len(data))
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_HEAD(self) -> None:
        """Headers only."""
        self.do_GET()

    def do_GET(self) -> None:
        """The page, the snapshot as JSON, or the event stream."""
        path = urlsplit(self.path).path
        try:
            if path == "/":
                self._send(200, "text/html; charset=utf-8", page(self.server.session))
            elif path == "/snapshot.json":
                self._send(200, "application/json", snapshot_json(self.server.session))
            elif path == "/events" and self.command == "GET":
                self._stream()
            else:
                self._send(404, "text/plain; charset=utf-8", "not found\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser went away

    def _stream(self) -> None:
        self._head(200, "text/event-stream; charset=utf-8")
        self.wfile.write(f"retry: {RETRY_MS}\n\n".encode())
        last, quiet = None, 0.0
        stop = self.server.stopping
        while not stop.is_set():
            payload = snapshot_json(self.server.session)
            if payload != last:
                self.wfile.write(f"data: {payload}\n\n".encode())
                last, quiet = payload, 0.0
            elif quiet >= KEEPALIVE_S:
                self.wfile.write(b": keepalive\n\n")
                quiet = 0.0
            self.wfile.flush()
            stop.wait(POLL_S)
            quiet += POLL_S


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], session: Any) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.session = session
        self.stopping = threading.Event()
        super().__init__(address, _Handler)


class Projector:
    """A running projector server; calling it stops it (idempotent)."""

    def __init__(self, server: _Server, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        self.host, self.port = server.server_address[:2]
        shown = f"[{self.host}]" if ":" in str(self.host) else self.host
        self.url = f"http://{shown}:{self.port}/"

    def __call__(self) -> None:
        if self._server.stopping.is_set():
            return
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve_projector(session: Any, host: str, port: int) -> Projector:
    """Serve the projector page for ``session`` on ``host:port`` (port 0: any free one); returns the stop function.

    The returned object also tells where it listens: ``.host``, ``.port``, ``.url``.
    """
    server = _Server((host, port), session)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              name=f"incsim-projector-{server.server_address[1]}", daemon=True)
    thread.start()
    return Projector(server, thread)
