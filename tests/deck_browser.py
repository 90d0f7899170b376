"""Driving an HTML deck in headless Chromium (the DevTools pipe of ``test_report_browser``): every
slide reached by keyboard, checked for overflow, optionally photographed; the presenter view; a
PDF print. Used by ``test_present_browser.py`` and, to photograph a deck, from the command line:

    python tests/deck_browser.py DECK.html OUT_DIR [WIDTHxHEIGHT]
"""

from __future__ import annotations

import base64
import re
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser_helpers import CHROMIUM, DevTools  # noqa: E402

# every element of the current slide (an SVG counts as one box: its marks are clipped by it) whose
# box leaves the slide's box, and every text container whose content is taller or wider than it
OVERFLOW_JS = """
(function () {
  var s = document.querySelector('.slide.current');
  var r = s.getBoundingClientRect();
  var bad = [];
  s.querySelectorAll('*').forEach(function (el) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') { return; }
    if (el.closest('.notes')) { return; }
    var b = el.getBoundingClientRect();
    if (b.width === 0 && b.height === 0) { return; }
    if (b.left < r.left - 1 || b.top < r.top - 1 || b.right > r.right + 1 || b.bottom > r.bottom + 1) {
      bad.push(el.tagName + ':' + (el.textContent || '').slice(0, 40));
    }
  });
  [s].concat(Array.prototype.slice.call(s.querySelectorAll('.body, .text, figure, ul, table'))).forEach(function (el) {
    if (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1) {
      bad.push('scroll ' + el.tagName + '.' + el.className);
    }
  });
  return JSON.stringify({index: Array.prototype.indexOf.call(document.querySelectorAll('.slide'), s),
                         title: s.querySelector('h1').textContent, bad: bad});
}())
"""


def _eval(tools: DevTools, session: str, expression: str):
    reply = tools.send(
        "Runtime.evaluate",
        {"expression": expression, "returnByValue": True, "awaitPromise": True},
        session=session,
    )
    return reply["result"].get("value")


def _key(tools: DevTools, session: str, key: str, code: str, keycode: int) -> None:
    for kind in ("keyDown", "keyUp"):
        tools.send(
            "Input.dispatchKeyEvent",
            {"type": kind, "key": key, "code": code, "windowsVirtualKeyCode": keycode},
            session=session,
        )


def drive(url: str, sizes: list[tuple[int, int]], shots: Path | None = None, pdf: bool = True) -> dict:
    """Open ``url`` at each size; walk every slide with the right-arrow key; return what was seen."""
    import json

    profile = Path(tempfile.mkdtemp(prefix="incsim-deck-"))
    tools = DevTools(CHROMIUM, profile)
    seen: dict = {"walks": {}, "errors": [], "requests": [], "pdf_pages": None, "presenter": None}
    try:
        target = tools.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = tools.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            tools.send(f"{domain}.enable", session=session)
        for width, height in sizes:
            tools.send(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                session=session,
            )
            tools.send("Page.navigate", {"url": url}, session=session)
            tools.wait_for("Page.loadEventFired", session)
            tools.events = [e for e in tools.events if e.get("method") != "Page.loadEventFired"]
            total = _eval(tools, session, "document.querySelectorAll('.slide').length")
            walk = []
            for i in range(total):
                if i:
                    _key(tools, session, "ArrowRight", "ArrowRight", 39)
                _eval(tools, session, "new Promise(r => requestAnimationFrame(() => r(1)))")
                state = json.loads(_eval(tools, session, OVERFLOW_JS))
                state["hash"] = _eval(tools, session, "location.hash")
                walk.append(state)
                if shots is not None:
                    shot = tools.send("Page.captureScreenshot", {"format": "png"}, session=session)
                    shots.mkdir(parents=True, exist_ok=True)
                    (shots / f"slide-{i + 1:02d}-{width}x{height}.png").write_bytes(
                        base64.b64decode(shot["data"])
                    )
            _key(tools, session, "ArrowRight", "ArrowRight", 39)  # past the end: stays on the last
            walk.append({"index": json.loads(_eval(tools, session, OVERFLOW_JS))["index"], "after_end": True})
            _key(tools, session, "Home", "Home", 36)
            walk.append(
                {"index": json.loads(_eval(tools, session, OVERFLOW_JS))["index"], "after_home": True}
            )
            seen["walks"][(width, height)] = walk
        _key(tools, session, "p", "KeyP", 80)
        seen["presenter"] = _eval(
            tools,
            session,
            (
                "JSON.stringify({on: document.body.classList.contains('presenter'), "
                "panel: getComputedStyle(document.getElementById('panel')).display, "
                "notes: document.getElementById('notes-text').textContent, "
                "slide_notes: document.querySelector('.slide.current .notes p').textContent, "
                "next: document.getElementById('next-title').textContent})"
            ),
        )
        if pdf:
            printed = tools.send(
                "Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True}, session=session
            )
            data = base64.b64decode(printed["data"])
            seen["pdf_pages"] = len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
            seen["pdf"] = data
    finally:
        stderr = tools.close()
        shutil.rmtree(profile, ignore_errors=True)
    for e in tools.events:
        p = e.get("params", {})
        if e.get("method") == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert", "warning"):
            seen["errors"].append(
                " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            )
        elif e.get("method") == "Runtime.exceptionThrown":
            seen["errors"].append(p.get("exceptionDetails", {}).get("text", "exception"))
        elif e.get("method") == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
            seen["errors"].append(f"{p['entry'].get('source')}: {p['entry'].get('text')}")
        elif e.get("method") == "Network.requestWillBeSent":
            seen["requests"].append(p["request"]["url"])
    seen["stderr"] = stderr
    return seen


if __name__ == "__main__":
    deck, out = Path(sys.argv[1]).resolve(), Path(sys.argv[2])
    w, h = map(int, (sys.argv[3] if len(sys.argv) > 3 else "1920x1080").split("x"))
    result = drive(deck.as_uri(), [(w, h)], shots=out, pdf=False)
    for state in result["walks"][(w, h)]:
        if "title" in state:
            print(
                state["index"] + 1,
                state["title"],
                "OVERFLOW " + "; ".join(state["bad"]) if state["bad"] else "",
            )
    print("errors:", result["errors"] or "none", "| requests:", result["requests"])
