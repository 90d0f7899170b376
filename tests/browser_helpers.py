"""Headless Chromium for the tests that render a page (the report, a drill's after-action report,
the deck): a DevTools-protocol connection over a pipe, the renderer and a PNG's size.

Chromium is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``: file
descriptors 3 and 4, NUL-separated JSON), so no websocket client or other Python package is
needed.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

_TRAMPOLINE = (
    "import fcntl, os, sys; r, w = [fcntl.fcntl(int(a), fcntl.F_DUPFD, 10) for a in sys.argv[1:3]]; "
    "os.dup2(r, 3); os.dup2(w, 4); os.execv(sys.argv[3], sys.argv[3:])"
)
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
WIDTH = 1280


def find_chromium() -> str | None:
    """A Chromium-family browser: $CHROMIUM, else the first of the usual names on PATH."""
    env = os.environ.get("CHROMIUM")
    if env and Path(env).is_file():
        return env
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM = find_chromium()


class DevTools:
    """A headless Chromium and a DevTools-protocol connection to it over a pipe."""

    def __init__(self, browser: str, profile: Path, timeout: float = 60.0) -> None:
        self.timeout = timeout
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-default-apps",
            "--no-first-run",
            "--no-default-browser-check",
            "--hide-scrollbars",
            "--mute-audio",
            f"--user-data-dir={profile}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        # stderr to a file: Chromium logs plenty (D-Bus complaints in containers) and must never block on it
        self._log = tempfile.TemporaryFile()
        # the protocol lives on the browser's fds 3 (commands in) and 4 (replies and events out): a tiny
        # Python trampoline moves the pipe ends there and execs the browser (no shell, no preexec_fn)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _TRAMPOLINE, str(to_chrome_r), str(from_chrome_w), browser, *args],
            pass_fds=(to_chrome_r, from_chrome_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buf = b""
        self._next = 0
        self.events: list[dict] = []

    def close(self) -> str:
        """Close the browser; returns its stderr (for failure messages)."""
        try:
            self.send("Browser.close", wait=False)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass
        self._log.seek(0)
        err = self._log.read().decode(errors="replace")
        self._log.close()
        return err

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from Chromium over the DevTools pipe")
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if ready:
                chunk = os.read(self._from_chrome, 1 << 20)
                if not chunk:
                    raise ConnectionError("Chromium closed the DevTools pipe")
                self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def send(
        self, method: str, params: dict | None = None, session: str | None = None, wait: bool = True
    ) -> dict:
        """Send one command; with ``wait``, return its result (events seen meanwhile are kept)."""
        self._next += 1
        msg = {"id": self._next, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        if not wait:
            return {}
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, session: str) -> dict:
        """Wait until the event ``method`` arrives on ``session``."""
        deadline = time.monotonic() + self.timeout
        for ev in self.events:
            if ev.get("method") == method and ev.get("sessionId") == session:
                return ev
        while True:
            ev = self._read_message(deadline)
            self.events.append(ev)
            if ev.get("method") == method and ev.get("sessionId") == session:
                return ev


def render(url: str, height: int = 900, probe: str = "null") -> dict:
    """Load ``url`` in headless Chromium; return console errors, requests, a full-page PNG and the
    value of the JavaScript expression ``probe`` on the rendered page."""
    # a short profile path: Chromium's singleton socket lives there and Unix socket paths are short
    profile = Path(tempfile.mkdtemp(prefix="incsim-chromium-"))
    try:
        return _render(url, profile, height, probe)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def _render(url: str, profile: Path, height: int, probe: str) -> dict:
    tools = DevTools(CHROMIUM, profile)
    try:
        target = tools.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = tools.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            tools.send(f"{domain}.enable", session=session)
        tools.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": WIDTH, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        tools.send("Page.navigate", {"url": url}, session=session)
        tools.wait_for("Page.loadEventFired", session)
        tools.send(
            "Runtime.evaluate",
            {"expression": "new Promise(r => requestAnimationFrame(() => r(1)))", "awaitPromise": True},
            session=session,
        )
        metrics = tools.send("Page.getLayoutMetrics", session=session)
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        shot = tools.send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": WIDTH, "height": size["height"], "scale": 1},
            },
            session=session,
        )
        title = tools.send("Runtime.evaluate", {"expression": "document.title"}, session=session)
        svgs = tools.send(
            "Runtime.evaluate",
            {"expression": "document.querySelectorAll('svg.chart').length"},
            session=session,
        )
        widest = tools.send(
            "Runtime.evaluate", {"expression": "document.documentElement.scrollWidth"}, session=session
        )
        probed = tools.send("Runtime.evaluate", {"expression": probe, "returnByValue": True}, session=session)
    except (OSError, TimeoutError, RuntimeError) as exc:
        log = "\n".join(line for line in tools.close().splitlines() if "dbus" not in line)[-2000:]
        raise AssertionError(f"Chromium failed: {exc}\n{log}") from None
    stderr = tools.close()
    mine = [e for e in tools.events if e.get("sessionId") == session]
    errors = []
    for e in mine:
        p = e.get("params", {})
        if e["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert", "warning"):
            errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
        elif e["method"] == "Runtime.exceptionThrown":
            errors.append(p.get("exceptionDetails", {}).get("text", "exception"))
        elif e["method"] == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
            errors.append(f"{p['entry'].get('source')}: {p['entry'].get('text')}")
    requests = [e["params"]["request"]["url"] for e in mine if e["method"] == "Network.requestWillBeSent"]
    return {
        "errors": errors,
        "requests": requests,
        "png": base64.b64decode(shot["data"]),
        "height": size["height"],
        "title": title["result"].get("value"),
        "svgs": svgs["result"].get("value"),
        "scroll_width": widest["result"].get("value"),
        "probe": probed["result"].get("value"),
        "stderr": stderr,
    }


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


SKIP_WITHOUT_CHROMIUM = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium found (apt-get install -y chromium, or set CHROMIUM=/path/to/chrome)",
)
