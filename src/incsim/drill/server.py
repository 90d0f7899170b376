"""The drill served to many devices: the facilitator's, the room's projector and one per played role.

A Starlette application (run by uvicorn in a thread beside the console or line mode, which drive
the same session) with Server-Sent Events. The projector is at ``/`` and shows the session code
and a QR code of the join page; a device joins at ``/join`` with the code and takes one free
played role, getting a page of its own (``/p/TOKEN``); the facilitator's page is ``/f/TOKEN``
(printed on the terminal). Every view is built from an allow-list (``views.py``).

Safety: pages carry no inline script or style (a strict Content-Security-Policy allows only
this server's own), every string reaches the page as JSON and is written with ``textContent``,
and a POST must be JSON with the view's token in a header (which a cross-site form cannot send)
and, when it says where it comes from, come from this server's own origin. On an address other
than loopback, even the projector and the join page need the session code.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import secrets
import threading
import time
from importlib import resources
from typing import Any

import anyio

from incsim.drill.feed import safe_text
from incsim.drill.lock import guard
from incsim.drill.views import facilitator_view, player_view, room_view

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read off a projector
CODE_LENGTH = 6
POLL_S = 0.1  # how often a stream looks for a change made by another driver (the console)
KEEPALIVE_S = 15.0
TICK_S = 0.25  # the served clock's step in real time
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
SPEEDS = (1.0, 2.0, 5.0, 10.0, 20.0, 60.0)
MAX_CONNECTIONS = 200
"""Connections served at once; beyond it a new one gets a 503 and is closed at once, so a flood
of idle connections cannot use up the process's descriptors (the journal and the outputs need
some; ``wire.py``)."""
ACCEPT_BACKLOG = 64
"""Connections the kernel queues, and asyncio accepts in one go, before the bound above refuses
the extra ones: with it, a burst holds at most about ``MAX_CONNECTIONS + ACCEPT_BACKLOG``
descriptors (``tests/faults/test_flood.py``)."""
REQUEST_TIMEOUT_S = 10.0
"""A connection that has not delivered a whole request this long after opening (or after its
previous reply) is closed: a slow-loris client cannot hold a place (``wire.py``)."""
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (or ``localhost``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _asset(name: str) -> str:
    return resources.files("incsim.drill").joinpath("static", name).read_text(encoding="utf-8")


def page_shell(view: str, title: str) -> str:
    """An HTML page with no inline script or style: the script fills it from its stream."""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>drill</title><link rel="stylesheet" href="/static/app.css"></head>'
        f'<body data-view="{view}"><main id="app"><p class="dim">connecting…</p></main>'
        '<script src="/static/app.js"></script></body></html>\n'
    )


class Served:
    """One session's serving state: the code, the tokens, the devices, the served clock."""

    def __init__(self, session: Any, require_code: bool, finish: Any = None) -> None:
        self.session = session
        self.code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        self.facilitator = secrets.token_urlsafe(18)
        self.players: dict[str, str] = {}  # token -> role id
        self.require_code = require_code
        self.changed = asyncio.Event()
        self.generation = 0
        self.speed = 1.0
        self.running = False
        self.finish = finish  # called (in a thread) when the facilitator finishes the drill
        self.finished_path: str | None = None
        self.base_url = ""
        self.asked: dict[str, float] = {}  # decision id -> real time a screen first showed it

    def real_s(self, decision: str) -> float | None:
        """Seconds since a screen first showed ``decision`` (None if none has)."""
        seen = self.asked.get(decision)
        return None if seen is None else time.monotonic() - seen

    def joined(self) -> dict[str, int]:
        """Devices per role."""
        out: dict[str, int] = {}
        for role in self.players.values():
            out[role] = out.get(role, 0) + 1
        return out

    def signature(self) -> tuple:
        """A cheap look at whether anything a view shows may have changed (read without the lock)."""
        s = self.session
        return (
            self.generation,
            len(s.feed()),
            round(s.now, 6),
            tuple(s._queue),
            s.finished,
            len(self.players),
        )

    def bump(self) -> None:
        """Wake every stream now (a change made here)."""
        self.generation += 1
        ev, self.changed = self.changed, asyncio.Event()
        ev.set()


def host_name(header: str) -> str:
    """The name in a ``Host`` header, without its port (``[::1]:8765`` -> ``::1``)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class HostCheck:
    """Answer only requests addressed to an allowed name (DNS rebinding gets a 421), and put the
    security headers on every reply this application makes."""

    def __init__(self, app, allowed: set[str]) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
        if host_name(host) not in self.allowed:
            headers = [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()]
            await send(
                {
                    "type": "http.response.start",
                    "status": 421,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"), *headers],
                }
            )
            await send({"type": "http.response.body", "body": b"misdirected request: unknown host name\n"})
            return
        return await self.app(scope, receive, send)


def build_app(session: Any, require_code: bool = False, finish: Any = None):
    """The Starlette application serving ``session``; ``app.state.served`` holds its ``Served``."""
    from sse_starlette.sse import EventSourceResponse
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, PlainTextResponse, Response
    from starlette.routing import Route

    served = Served(session, require_code, finish)
    js, css = _asset("app.js"), _asset("app.css")

    def reply(body: str, ctype: str, status: int = 200, cookie: str | None = None) -> Response:
        r = Response(body, status_code=status, media_type=ctype, headers=HEADERS)
        if cookie is not None:
            r.set_cookie("incsim_code", cookie, httponly=True, samesite="strict")
        return r

    def refused(status: int, text: str) -> Response:
        return PlainTextResponse(text + "\n", status_code=status, headers=HEADERS)

    def code_ok(request: Request) -> bool:
        if not served.require_code:
            return True
        given = request.query_params.get("code") or request.cookies.get("incsim_code") or ""
        return secrets.compare_digest(given.upper().encode(), served.code.encode())

    def same_origin(request: Request) -> bool:
        origin = request.headers.get("origin")
        if origin is None:
            return True
        host = request.headers.get("host", "")
        return origin in (f"http://{host}", f"https://{host}")

    async def read_view(build) -> str:
        def run() -> str:
            with guard(session):
                return json.dumps(clean_view(build()), separators=(",", ":"), allow_nan=False, default=str)

        return await anyio.to_thread.run_sync(run)

    async def stream(request: Request, build) -> Response:
        async def events():
            last, quiet, seen = None, 0.0, None
            while True:
                if await request.is_disconnected():
                    return
                sig = served.signature()
                if sig != seen:
                    seen = sig
                    payload = await read_view(build)
                    if session._queue:
                        served.asked.setdefault(session._queue[0], time.monotonic())
                    if payload != last:
                        last, quiet = payload, 0.0
                        yield {"data": payload}
                waiter = served.changed
                try:
                    await asyncio.wait_for(waiter.wait(), POLL_S)
                except TimeoutError:
                    quiet += POLL_S
                if quiet >= KEEPALIVE_S:
                    quiet = 0.0
                    yield {"comment": "keepalive"}

        return EventSourceResponse(events(), headers=HEADERS, ping=None, send_timeout=5)

    async def body_of(request: Request, token: str) -> dict | Response:
        """The JSON body of a POST that proves it comes from the view's own page."""
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return refused(415, "expected application/json")
        if not secrets.compare_digest(request.headers.get("x-incsim-token", "").encode(), token.encode()):
            return refused(403, "missing or wrong token header")
        if not same_origin(request):
            return refused(403, "cross-origin request")
        try:
            data = json.loads(await request.body() or b"{}")
        except ValueError:
            return refused(400, "not JSON")
        return data if isinstance(data, dict) else refused(400, "expected a JSON object")

    async def run_locked(fn) -> Response:
        def call():
            with guard(session):
                return fn()

        try:
            result = await anyio.to_thread.run_sync(call)
        except (KeyError, ValueError, IndexError, TypeError) as exc:
            return JSONResponse(
                {"error": str(exc.args[0] if exc.args else exc)}, status_code=409, headers=HEADERS
            )
        served.bump()
        return JSONResponse({"ok": True, **(result if isinstance(result, dict) else {})}, headers=HEADERS)

    # -- the room ----------------------------------------------------------------------------
    async def room(request: Request) -> Response:
        if not code_ok(request):
            return refused(403, "this drill needs its session code: /?code=CODE")
        cookie = served.code if served.require_code else None
        return reply(page_shell("room", session.title), "text/html; charset=utf-8", cookie=cookie)

    async def room_events(request: Request) -> Response:
        if not code_ok(request):
            return refused(403, "session code needed")

        def build():
            v = room_view(session)
            v["code"] = served.code
            return v

        return await stream(request, build)

    async def qr(request: Request) -> Response:
        if not code_ok(request):
            return refused(403, "session code needed")
        import io

        import segno

        base = served.base_url or str(request.base_url)
        buf = io.BytesIO()
        segno.make(f"{base.rstrip('/')}/join?code={served.code}", error="m").save(
            buf, kind="svg", scale=6, border=2, xmldecl=False, svgns=True, title="join this drill"
        )
        return reply(buf.getvalue().decode(), "image/svg+xml")

    # -- joining -------------------------------------------------------------------------------
    async def join_page(request: Request) -> Response:
        return reply(page_shell("join", session.title), "text/html; charset=utf-8")

    async def join_roles(request: Request) -> Response:
        """The played roles and how many devices each has (no code needed to see the list)."""
        roles = [
            {"id": r.id, "title": r.title, "devices": served.joined().get(r.id, 0)}
            for r in session.drill.seats
            if r.id in session.playing
        ]
        return JSONResponse({"title": session.title, "roles": roles}, headers=HEADERS)

    async def join(request: Request) -> Response:
        data = await body_of(request, "join")
        if isinstance(data, Response):
            return data
        code = str(data.get("code", "")).strip().upper()
        if not secrets.compare_digest(code.encode(), served.code.encode()):
            return refused(403, "wrong session code")
        role = str(data.get("role", ""))
        if role not in session.playing:
            return refused(409, "no such played role")
        token = secrets.token_urlsafe(18)
        served.players[token] = role
        served.bump()
        return JSONResponse({"url": f"/p/{token}"}, headers=HEADERS)

    # -- a player --------------------------------------------------------------------------------
    def player_of(request: Request) -> tuple[str, str] | None:
        token = request.path_params["token"]
        role = served.players.get(token)
        return (token, role) if role is not None else None

    async def player_page(request: Request) -> Response:
        if player_of(request) is None:
            return refused(404, "unknown device: join again")
        return reply(page_shell("player", session.title), "text/html; charset=utf-8")

    async def player_events(request: Request) -> Response:
        who = player_of(request)
        if who is None:
            return refused(404, "unknown device")
        return await stream(request, lambda: player_view(session, who[1]))

    async def player_act(request: Request) -> Response:
        who = player_of(request)
        if who is None:
            return refused(404, "unknown device")
        data = await body_of(request, who[0])
        if isinstance(data, Response):
            return data
        action = str(data.pop("action", ""))
        role = who[1]
        if action == "decide":
            return await run_locked(lambda: _player_decides(session, role, data, served))
        args = {
            k: v
            for k, v in data.items()
            if k
            in ("channel", "status", "impact", "next_steps", "eta", "text", "team", "who", "reason", "to")
        }
        return await run_locked(lambda: session.act(role, action, **args))

    # -- the facilitator -------------------------------------------------------------------------
    def is_facilitator(request: Request) -> bool:
        return secrets.compare_digest(request.path_params["token"].encode(), served.facilitator.encode())

    async def facilitator_page(request: Request) -> Response:
        if not is_facilitator(request):
            return refused(404, "not found")
        return reply(page_shell("facilitator", session.title), "text/html; charset=utf-8")

    async def facilitator_events(request: Request) -> Response:
        if not is_facilitator(request):
            return refused(404, "not found")

        def build():
            v = facilitator_view(session, served.joined())
            v.update(
                code=served.code, speed=served.speed, running=served.running, written=served.finished_path
            )
            return v

        return await stream(request, build)

    async def facilitator_do(request: Request) -> Response:
        if not is_facilitator(request):
            return refused(404, "not found")
        data = await body_of(request, served.facilitator)
        if isinstance(data, Response):
            return data
        return await _facilitate(served, data, run_locked)

    app = Starlette(
        routes=[
            Route("/", room),
            Route("/events", room_events),
            Route("/qr.svg", qr),
            Route("/join", join_page),
            Route("/join/roles", join_roles),
            Route("/join", join, methods=["POST"]),
            Route("/p/{token}", player_page),
            Route("/p/{token}/events", player_events),
            Route("/p/{token}/act", player_act, methods=["POST"]),
            Route("/f/{token}", facilitator_page),
            Route("/f/{token}/events", facilitator_events),
            Route("/f/{token}/do", facilitator_do, methods=["POST"]),
            Route("/static/app.js", lambda r: reply(js, "text/javascript; charset=utf-8")),
            Route("/static/app.css", lambda r: reply(css, "text/css; charset=utf-8")),
            Route("/favicon.ico", lambda r: Response(status_code=204, headers=HEADERS)),
        ]
    )

    async def not_found(request, exc):
        return refused(404, "not found")

    app.add_exception_handler(404, not_found)
    app.add_exception_handler(405, lambda r, e: refused(405, "method not allowed"))
    app.state.served = served
    return app


def clean_view(value: Any) -> Any:
    """Every string of a view with control and bidirectional characters neutralised."""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, dict):
        return {k: clean_view(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_view(v) for v in value]
    return value


def _refuse(message: str) -> None:
    raise ValueError(message)


def _player_decides(session: Any, role: str, data: dict, served: Served) -> None:
    p = session.pending_decision()
    if p is None or p.role != role or p.id != data.get("decision"):
        raise ValueError("no decision of yours is waiting")
    session.decide(p.id, str(data.get("option", "")), served.real_s(p.id))


async def _facilitate(served: Served, data: dict, run_locked) -> Any:
    """One facilitator command: the console's powers."""
    s = served.session
    cmd = str(data.get("cmd", ""))
    simple = {
        "step": lambda: s.step(),
        "advance": lambda: s.advance(float(data.get("minutes", 1.0))),
        "fire": lambda: s.fire(str(data["inject"])),
        "decide": lambda: s.decide(
            str(data["decision"]), str(data["option"]), served.real_s(str(data["decision"]))
        ),
        "note": lambda: s.note(str(data["text"]), data.get("objective") or None),
        "mark": lambda: s.mark(str(data["expectation"]), str(data["outcome"])),
        "hotwash": lambda: s.hotwash(str(data["question"]), str(data["answer"])),
        "action": lambda: s.action(str(data["action"]), str(data["owner"]), str(data["due"])),
    }
    if cmd in simple:
        if cmd == "step" and s.pending_decision() is not None:
            return await run_locked(lambda: _refuse("a decision is waiting: decide first"))
        return await run_locked(simple[cmd])
    if cmd == "pause":
        served.running = not served.running
        return await run_locked(lambda: s.clock(served.speed, not served.running))
    if cmd == "speed":
        faster = [v for v in SPEEDS if v > served.speed]
        slower = [v for v in SPEEDS if v < served.speed]
        if int(data.get("direction", 1)) > 0 and faster:
            served.speed = faster[0]
        elif int(data.get("direction", 1)) < 0 and slower:
            served.speed = slower[-1]
        return await run_locked(lambda: s.clock(served.speed, not served.running))
    if cmd == "finish":
        if served.finish is None:
            return await run_locked(lambda: _refuse("finish the drill from the terminal"))
        served.running = False

        def done():
            served.finished_path = str(served.finish())

        return await run_locked(done)
    return await run_locked(lambda: _refuse(f"unknown command '{cmd}'"))


async def _clock(served: Served, stop: threading.Event) -> None:
    """The served clock: while running, simulated time moves at ``speed`` x real time."""
    last = time.monotonic()
    while not stop.is_set():
        await asyncio.sleep(TICK_S)
        now = time.monotonic()
        dt, last = now - last, now
        s = served.session
        if not served.running or s.finished:
            continue

        def tick(s=s, dt=dt) -> None:
            with guard(s):
                s.advance(dt / 60.0 * served.speed)

        await anyio.to_thread.run_sync(tick)
        served.bump()


class Serving:
    """A running server; calling it stops it (idempotent)."""

    def __init__(self, server, thread: threading.Thread, served: Served, host: str, port: int) -> None:
        self._server, self._thread, self.served = server, thread, served
        self.host, self.port = host, port
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{port}/"
        served.base_url = self.url
        code = f"?code={served.code}" if served.require_code else ""
        self.room_url = f"{self.url}{code}"
        self.facilitator_url = f"{self.url}f/{served.facilitator}"
        self.join_url = f"{self.url}join?code={served.code}"

    def __call__(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)


def serve(
    session: Any,
    host: str,
    port: int,
    finish: Any = None,
    allow_hosts: tuple[str, ...] = (),
    max_connections: int = MAX_CONNECTIONS,
    request_timeout_s: float = REQUEST_TIMEOUT_S,
) -> Serving:
    """Serve ``session`` on ``host:port`` (port 0: a free one) in a thread; returns the stop function.

    On an address other than loopback every view needs the session code. Requests must name this
    server by a loopback name, the bound address or one of ``allow_hosts`` (``--allow-host``)."""
    import uvicorn

    from incsim.drill.wire import guarded_protocol

    host = host.strip("[]")
    app = build_app(session, require_code=not is_loopback(host), finish=finish)
    served = app.state.served
    allowed = {*LOOPBACK_NAMES, host.lower(), *(h.lower().strip("[]") for h in allow_hosts)}
    if host in ("0.0.0.0", "::"):
        allowed |= _own_addresses()
    config = uvicorn.Config(
        HostCheck(app, allowed),
        host=host,
        port=port,
        log_level="warning",
        lifespan="off",
        access_log=False,
        timeout_keep_alive=5,
        server_header=False,
        http=guarded_protocol(HEADERS, max_connections, request_timeout_s),
        # asyncio accepts up to `backlog` connections in one go before any of them is refused:
        # with uvicorn's 2,048 a burst of idle connections used up 1,024 descriptors first
        backlog=ACCEPT_BACKLOG,
    )
    server = uvicorn.Server(config)
    stop = threading.Event()

    async def main() -> None:
        ticker = asyncio.ensure_future(_clock(served, stop))
        try:
            await server.serve()
        finally:
            stop.set()
            ticker.cancel()

    thread = threading.Thread(target=lambda: asyncio.run(main()), name="incsim-serve", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise OSError(f"cannot listen on {host}:{port}")
        time.sleep(0.02)
    bound = server.servers[0].sockets[0].getsockname()
    return Serving(server, thread, served, host, int(bound[1]))


def _own_addresses() -> set[str]:
    """This machine's addresses (a server on every interface answers to each of them)."""
    import socket

    out = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None):
            out.add(str(info[4][0]).lower())
        out.add(socket.gethostname().lower())
    except OSError:
        pass
    return out
