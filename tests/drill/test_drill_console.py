"""The facilitator console driven by keys through Textual's Pilot, at 80×24, on a real drill."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from incsim.clock import drill_time
from incsim.drill.console import DrillConsole
from incsim.drill.engine import DrillSession
from incsim.drill.transcript import load_transcript, transcript_from_text
from incsim.scenario.drill import load_drill, load_drill_text

WIDTH, HEIGHT = 80, 24
DRILL = Path(__file__).resolve().parents[2] / "scenarios" / "drills" / "db-failover.yaml"
SEED = 1


def make_session(title: str | None = None) -> DrillSession:
    """The payments-failover drill (a real ``DrillSession``), optionally under another title."""
    if title is None:
        return DrillSession(load_drill(DRILL), seed=SEED)
    text = DRILL.read_text(encoding="utf-8").replace(
        "title: Payments database failover", f"title: {title!r}", 1
    )
    return DrillSession(load_drill_text(text, str(DRILL), base=DRILL.parent), seed=SEED)


def screen_text(app) -> list[str]:
    """The lines the terminal shows now (the active screen, composited)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def typed(text: str) -> list[str]:
    """The keys that type ``text``: ``Pilot.press`` takes a printable character as its own key
    (punctuation and the space are named for it)."""
    return list(text)


def drive(app, script) -> None:
    """Run ``script(pilot)`` against ``app`` in a headless 80×24 terminal."""

    async def go():
        async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
            await pilot.pause()
            await script(pilot)

    asyncio.run(go())


async def step_until(pilot, done, limit=40) -> None:
    """Press ``n`` (step) until ``done()``, answering a waiting decision with its first option
    (``n`` does not step past one)."""
    app = pilot.app
    for _ in range(limit):
        if done():
            return
        await pilot.press("1" if app.session.pending_decision() is not None else "n")
        await pilot.pause()
    raise AssertionError("the drill never got there by stepping")


async def wait_exit(pilot, app, limit=2400) -> None:
    """Wait (at most about two minutes) for the console to write its outputs and exit."""
    for _ in range(limit):
        if not app.is_running:
            return
        await pilot.pause(0.05)
    raise AssertionError("the console did not finish")


def test_a_whole_drill_by_keys(tmp_path):
    session = make_session()
    out = tmp_path / "out"
    # two replications keep the after-action report's counterfactuals quick; the report is what is checked
    app = DrillConsole(session, stepped=True, out_dir=out, finish_options={"replications": 2})
    seen = {}
    objective = session.drill.objectives[0].id
    expectation = session.expectations()[0][0]
    question = session.drill.hotwash[0]
    on_demand = session.on_demand()[0][0]

    async def script(pilot):
        await step_until(pilot, lambda: session.pending_decision() is not None)
        pending = session.pending_decision()
        seen["decision"] = (pending.id, pending.options[0].id, session.now)
        seen["decision_screen"] = "\n".join(screen_text(app))
        await pilot.press("1")
        seen["after_decision"] = session.pending_decision()

        await pilot.press("t", *typed("db looks saturated"), "tab", "down", "enter")
        await pilot.press("f", "enter")
        await pilot.press("m", "x", "escape")
        await pilot.press("w", "enter", *typed("the replica lag graph"), "enter", "escape")
        await pilot.press(
            "a",
            *typed("write a failover runbook"),
            "tab",
            *typed("dba team"),
            "tab",
            *typed("2026-12-15"),
            "enter",
            "escape",
        )
        seen["at"] = session.now
        await step_until(pilot, lambda: session.finished)
        seen["over_screen"] = screen_text(app)
        await pilot.press("F")
        await pilot.pause()
        seen["confirm"] = "\n".join(screen_text(app))
        await pilot.press("y")
        await wait_exit(pilot, app)

    drive(app, script)
    did, option, when = seen["decision"]
    assert f"decide: {session.drill.decisions[0].role}" in seen["decision_screen"]
    assert "1  Fail over" in seen["decision_screen"] and "3  Open a call" in seen["decision_screen"]
    assert seen["after_decision"] is None or seen["after_decision"].id != did
    assert "OVER" in seen["over_screen"][0]
    assert "write the outputs" in seen["confirm"]
    assert app.return_value == out

    for name in ("events.jsonl", "transcript.yaml", "aar.html", "aar.md", "run.json"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    actions = [
        (a.action, {k: v for k, v in a.args.items() if k != "real_s"})  # real_s: the real clock's
        for a in load_transcript(out / "transcript.yaml").actions
    ]
    at = seen["at"]
    assert ("decide", {"decision": did, "option": option}) in actions
    assert ("note", {"text": "db looks saturated", "objective": objective}) in actions
    assert ("fire", {"inject": on_demand}) in actions
    assert ("mark", {"expectation": expectation, "outcome": "missed"}) in actions
    assert ("hotwash", {"question": question, "answer": "the replica lag graph"}) in actions
    assert (
        "action",
        {"action": "write a failover runbook", "owner": "dba team", "due": "2026-12-15"},
    ) in actions
    times: dict[str, float] = {}
    for a in load_transcript(out / "transcript.yaml").actions:
        times.setdefault(a.action, a.t)
    assert times["decide"] == pytest.approx(when) and times["note"] == pytest.approx(at)
    aar = (out / "aar.md").read_text(encoding="utf-8")
    for needle in ("db looks saturated", "the replica lag graph", "write a failover runbook", "dba team"):
        assert needle in aar, needle


def test_step_does_not_run_out_a_waiting_decision():
    session = make_session()
    app = DrillConsole(session, stepped=True)
    seen = {}

    async def script(pilot):
        await step_until(pilot, lambda: session.pending_decision() is not None)
        seen["at"] = session.now
        await pilot.press("n", "n")
        await pilot.pause()
        seen["pending"] = session.pending_decision()
        seen["then"] = session.now

    drive(app, script)
    assert seen["pending"] is not None and seen["then"] == seen["at"]
    assert not session.decided, "no default was taken behind the room's back"


def test_time_to_decide_counts_the_room_s_real_time_when_paused():
    from incsim.drill.aar import gather

    session = make_session()
    app = DrillConsole(session, stepped=True)
    wall = [100.0]
    app.wall = lambda: wall[0]

    async def script(pilot):
        await step_until(pilot, lambda: session.pending_decision() is not None)
        wall[0] += 90.0  # the room talks for a minute and a half; simulated time stands still
        await pilot.press("1")
        await pilot.pause()

    drive(app, script)
    taken = next(iter(session.decided.values()))
    assert taken.t == taken.prompted and taken.real_s == 90.0
    row = next(d for d in gather(session, replications=0).decisions if d["id"] == taken.id)
    assert row["time_to_decide"] == "0.0 min simulated, 1.5 min in the room"
    assert '"real_s": 90.0' in session.transcript.text()


def test_a_resumed_console_starts_paused_where_it_stood(tmp_path):
    session = make_session()
    app = DrillConsole(session, speed=20)
    wall = [0.0]
    app.wall = lambda: wall[0]
    app._last_tick = 0.0

    async def script(pilot):
        await pilot.press("plus")  # x20 -> x60
        wall[0] += 6.0
        app._tick()
        await pilot.press("q")

    drive(app, script)
    moved = session.now
    assert moved == pytest.approx(6.0) and session.clock_state == (60.0, True)
    again = DrillSession(session.loaded, SEED, transcript_from_text(session.transcript.text()))
    again.catch_up()
    assert again.now == pytest.approx(moved) and again.clock_state == (60.0, True)
    resumed = DrillConsole(again, speed=again.clock_state[0], paused=True)
    resumed.wall = lambda: wall[0]
    seen = {}

    async def later(pilot):
        wall[0] += 30.0
        resumed._tick()
        seen["now"] = again.now
        seen["bar"] = screen_text(resumed)[0]

    drive(resumed, later)
    assert seen["now"] == pytest.approx(moved) and "PAUSED" in seen["bar"]


def test_the_screen_fits_80x24():
    session = make_session()
    app = DrillConsole(session, stepped=True)
    seen = {}

    async def script(pilot):
        await step_until(pilot, lambda: session.pending_decision() is not None)
        seen["lines"] = screen_text(app)

    drive(app, script)
    lines = seen["lines"]
    assert len(lines) == HEIGHT and all(len(line) <= WIDTH for line in lines)
    assert lines[0].strip().startswith(drill_time(session.now))
    assert "? help" in lines[-1] and "F finish" in lines[-1]
    text = "\n".join(lines)
    for needle in (
        "incident channel",
        "executive channel",
        "default debug in 05:00 sim",
        drill_time(session.feed()[-2].t),
    ):
        assert needle in text, needle
    for i, option in enumerate(session.pending_decision().options, start=1):  # every option in view
        assert f"{i}  {option.label.split()[0]}" in text, option
    assert "upcoming" not in text  # the decision has the column while it waits


def test_help_screen_lists_the_keys():
    app = DrillConsole(make_session(), stepped=True)
    seen = {}

    async def script(pilot):
        await pilot.press("question_mark")
        await pilot.pause()
        seen["help"] = screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        seen["after"] = "\n".join(screen_text(app))

    drive(app, script)
    for key, words in (
        ("?", "this screen"),
        ("space", "pause or resume"),
        ("n", "run to the next inject or decision"),
        ("1-9", "choose that option"),
        ("t", "timestamped note"),
        ("m", "mark expectations met / partial / missed"),
    ):
        assert any(f" {key}  {words}" in line for line in seen["help"]), key
    assert "Keys" not in seen["after"] and "incident channel" in seen["after"]


def test_text_from_the_drill_is_shown_as_text_not_markup():
    session = make_session("[reverse]Drill[/] <b>x</b>")
    app = DrillConsole(session, stepped=True)
    seen = {}

    async def script(pilot):
        await pilot.press("t", *typed("[bold red]x[/] <b>y</b>"), "enter")
        await pilot.pause()
        seen["text"] = "\n".join(screen_text(app))

    drive(app, script)
    # the line wraps after "[bold"; markup would have swallowed the brackets
    assert "facilitator: [bold" in seen["text"] and "red]x[/] <b>y</b>" in seen["text"]
    assert app.title == "[reverse]Drill[/] <b>x</b>"


def test_the_running_clock_advances_by_speed_and_pause_stops_it():
    session = make_session()
    app = DrillConsole(session, speed=60)
    wall = [1000.0]
    app.wall = lambda: wall[0]
    app._last_tick = wall[0]
    seen = {}

    async def script(pilot):
        wall[0] += 3.0  # three real seconds at ×60: three simulated minutes
        app._tick()
        seen["running"] = session.now
        await pilot.press("space")
        wall[0] += 30.0
        app._tick()
        seen["paused"] = session.now
        seen["paused_bar"] = screen_text(app)[0]
        await pilot.press("space", "plus")  # ×60 -> ×120
        wall[0] += 1.0
        app._tick()
        seen["faster"] = session.now
        seen["bar"] = screen_text(app)[0]

    drive(app, script)
    assert seen["running"] == pytest.approx(3.0)
    assert seen["paused"] == pytest.approx(3.0) and "PAUSED" in seen["paused_bar"]
    assert seen["faster"] == pytest.approx(5.0)
    assert "×120" in seen["bar"]


def test_a_resumed_drill_shows_its_earlier_plan_and_answers():
    session = make_session()
    question = session.drill.hotwash[1]
    session.hotwash(question, "a clearer runbook")
    session.action("rehearse the failover", "payments team", "2027-01-15")
    app = DrillConsole(session, stepped=True)
    seen = {}

    async def script(pilot):
        await pilot.press("a")
        await pilot.pause()
        seen["plan"] = "\n".join(screen_text(app))
        await pilot.press("escape", "w")
        await pilot.pause()
        seen["hotwash"] = screen_text(app)

    drive(app, script)
    assert "rehearse the failover — payments team, due 2027-01-15" in seen["plan"]
    assert any(f"✓ {question}" in line for line in seen["hotwash"])
    assert not any(f"✓ {session.drill.hotwash[0]}" in line for line in seen["hotwash"])


@pytest.mark.parametrize("path", sorted(DRILL.parent.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_ready_drill_plays_to_its_end_by_keys(path):
    session = DrillSession(load_drill(path), seed=SEED)
    app = DrillConsole(session, stepped=True)
    seen = {"decided": 0, "widest": 0}

    async def script(pilot):
        for _ in range(60):
            if session.finished:
                break
            pending = session.pending_decision()
            if pending is not None:
                text = "\n".join(screen_text(app))
                seen["hidden"] = [
                    o.id
                    for i, o in enumerate(pending.options, start=1)
                    if f"{i}  {o.label.split()[0]}" not in text
                ] + seen.get("hidden", [])
                await pilot.press("1")
                seen["decided"] += 1
            else:
                await pilot.press("n")
            await pilot.pause()
            lines = screen_text(app)
            seen["widest"] = max(seen["widest"], *map(len, lines))
            seen["rows"] = len(lines)
        seen["bar"] = screen_text(app)[0]

    drive(app, script)
    assert session.finished, path.name
    assert seen["decided"] >= 1 and len(session.transcript.actions) == seen["decided"]
    assert seen["widest"] <= WIDTH and seen["rows"] == HEIGHT
    assert seen.get("hidden", []) == []  # every option of every decision was on screen
    assert "OVER" in seen["bar"] and drill_time(session.now) in seen["bar"]
