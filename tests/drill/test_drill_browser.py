"""A served drill played in real browsers (Playwright driving the system's Chromium): a
facilitator and three players on their own devices (browser contexts, one a phone-sized screen)
play the cascading drill to its end; a player's update reaches the other views within a second;
the projector's and players' pages hold none of the facilitator's material, in the DOM and in
every response body. Skipped where Playwright or Chromium is missing.

``INCSIM_DRILL_SHOTS=DIR`` keeps screenshots of the three views there.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

from incsim.drill.engine import DrillSession  # noqa: E402
from incsim.drill.server import serve  # noqa: E402
from incsim.scenario.drill import load_drill  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DRILLS = ROOT / "scenarios" / "drills"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SECRET_NOTE = "FACILITATOR-ONLY-NOTE"

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium on this machine"),
    pytest.mark.slow,
]  # two real browsers for about 15 s each: run with -m slow


def _material(session) -> list[str]:
    out = [SECRET_NOTE, "\u2605"]
    out += [e.text for i in session.drill.injects for e in i.expectations]
    out += [i.text for i in session.drill.injects if i.on_demand]
    return out


@pytest.mark.parametrize(
    "name,players", [("cascading-outage", ("ic", "platform", "data")), ("async-first-habit", ("ic",))]
)
def test_a_facilitator_and_players_play_a_drill_to_its_end(name, players):
    session = DrillSession(load_drill(DRILLS / f"{name}.yaml"), 3)
    stop = serve(session, "127.0.0.1", 0)
    bodies: list[tuple[str, str]] = []  # (url, body) of every room and player response
    shots = os.environ.get("INCSIM_DRILL_SHOTS")
    errors: list[str] = []
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
            )

            def device(phone: bool = False):
                ctx = browser.new_context(
                    viewport={"width": 390, "height": 844} if phone else {"width": 1280, "height": 800}
                )
                page = ctx.new_page()
                page.on(
                    "console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None
                )
                return page

            def keep(resp) -> None:
                if "/f/" in resp.url or resp.url.endswith("/events"):
                    return  # the facilitator's own; streams are read below, from the DOM
                try:
                    bodies.append((resp.url, resp.text()))
                except Exception:  # noqa: BLE001 - a redirect or an aborted request has no body
                    pass

            fac = device()
            fac.goto(stop.facilitator_url)
            room = device()
            room.on("response", keep)
            room.goto(stop.url)
            room.wait_for_selector(".code")
            pages = {}
            for i, role in enumerate(players):
                p = device(phone=(i == 0))
                p.on("response", keep)
                p.goto(stop.join_url)
                title = session._roles[role].title
                p.get_by_role("button", name=title).first.click()
                p.wait_for_selector(".card")
                pages[role] = p
            fac.wait_for_selector(".controls")
            fac.fill("input[name=note]", SECRET_NOTE)
            fac.get_by_role("button", name="Add note").click()
            fac.wait_for_selector(f"text={SECRET_NOTE}")
            # the IC takes the page on a phone, then posts an update the others see within a second
            ic = pages[players[0]]
            ic.get_by_role("button", name="Acknowledge the page").click()
            ic.wait_for_selector("text=joined as ic")
            ic.fill("textarea[name=text]", "Checkout is down; the event bus is the suspect.")
            ic.fill("input[name=next_steps]", "Roll back the 10:25 deploy")
            t0 = time.monotonic()
            ic.get_by_role("button", name="Post", exact=True).click()
            for view in [room, fac, *[p for r, p in pages.items() if r != players[0]]]:
                view.wait_for_selector("text=the event bus is the suspect", timeout=1000)
            assert time.monotonic() - t0 < 1.0
            if shots:
                Path(shots).mkdir(parents=True, exist_ok=True)
                for label, view in (("facilitator", fac), ("projector", room), ("player", ic)):
                    view.screenshot(path=str(Path(shots) / f"{name}-{label}.png"), full_page=True)
            # the facilitator plays it to the end; each player takes their own decisions
            for _ in range(80):
                if session.finished:
                    break
                pending = session.pending_decision()
                if pending is not None and pending.role in pages:
                    pages[pending.role].locator(".decision button").first.click()
                elif pending is not None:
                    fac.locator(".decision button").first.click()
                else:
                    fac.get_by_role("button", name="Step").click()
                fac.wait_for_timeout(150)
            assert session.finished
            for view in [room, *pages.values()]:
                text = view.inner_text("body")
                for secret in _material(session):
                    assert secret not in text, (view.url, secret)
            browser.close()
    finally:
        stop()
    assert errors == []
    assert bodies
    for url, body in bodies:
        if url.endswith("/static/app.js"):
            continue  # the shared script (code, no drill data)
        for secret in _material(session):
            assert secret not in body, (url, secret)
