"""The facilitator's console: a keyboard-first Textual app that runs a drill session.

The console owns the clock (real time, accelerated ×N, or stepped to the next inject or
decision) and turns keys into calls on the ``DrillSession``; everything the drill produces,
and everything the facilitator records, lives in the session. It fits an 80×24 terminal.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, OptionList, RichLog, Static
from textual.widgets.option_list import Option as ListOption

from incsim.clock import drill_time
from incsim.drill.feed import safe_text
from incsim.drill.lock import guard

if TYPE_CHECKING:
    from incsim.drill.engine import DrillSession

TICK_S = 0.25  # how often the running clock advances the simulation (real seconds)
SPEEDS = (1.0, 2.0, 5.0, 10.0, 20.0, 60.0, 120.0)
DEFAULT_HOTWASH = ("What went well?", "What went badly?", "What should change before the next incident?")
OUTCOME_KEYS = {"y": "met", "p": "partial", "x": "missed"}
OTHER_CHANNELS = {"page": "PAGE", "status": "STATUS PAGE", "email": "EMAIL", "facilitator": "FACILITATOR"}


def feed_line(item: Any) -> Text:
    """One feed item as a line of the console's channel logs (markup-free: text stays text)."""
    line = Text(f"{drill_time(item.t)} ", style="dim")
    tag = OTHER_CHANNELS.get(item.lane)
    if tag:
        line.append(f"[{tag}] ", style="bold magenta")
    if item.source == "inject":
        line.append("▶ ", style="bold yellow")
    elif item.source == "decision":
        line.append("◆ ", style="bold cyan")
    elif item.source == "note":
        line.append("✎ ", style="bold green")
    line.append(f"{item.sender}: ", style="bold")
    line.append(item.text, style="yellow" if item.source == "inject" else "")
    return line


def _objectives(session: DrillSession) -> list[tuple[str, str]]:
    found = getattr(session.drill, "objectives", None) or []
    return [(str(getattr(o, "id", o)), str(getattr(o, "text", ""))) for o in found]


def _hotwash_questions(session: DrillSession) -> list[str]:
    found = getattr(session.drill, "hotwash", None)
    questions = [str(getattr(q, "question", getattr(q, "text", q))) for q in (found or [])]
    return questions or list(DEFAULT_HOTWASH)


# ---------------------------------------------------------------------------------------------
# modal screens: each one edits the session through the app and closes with escape
# ---------------------------------------------------------------------------------------------
class _Modal(ModalScreen[None]):
    """A centred dialog box that escape closes."""

    BINDINGS = [Binding("escape", "dismiss_modal", "close")]
    DEFAULT_CSS = """
    _Modal { align: center middle; }
    _Modal > Vertical { width: 76; max-height: 22; height: auto; border: thick $accent;
                        background: $surface; padding: 0 1; }
    _Modal OptionList { max-height: 12; }
    _Modal .hint { color: $text-muted; }
    """

    def action_dismiss_modal(self) -> None:
        """Close the dialog."""
        self.dismiss(None)

    @property
    def session(self) -> DrillSession:
        """The drill session the console drives."""
        return self.app.session  # type: ignore[attr-defined]


class HelpScreen(_Modal):
    """Every key binding of the console, read from the bindings themselves."""

    def compose(self) -> ComposeResult:
        """The dialog's widgets."""
        rows = Text()
        for b in self.app.BINDINGS:  # type: ignore[union-attr]
            words = self.app.HELP.get(b.action)  # type: ignore[attr-defined]
            if words is None:
                continue  # options 2-9 share the line of option 1
            key = "1-9" if b.action == "choose(1)" else (b.key_display or b.key)
            rows.append(f"{key:>6}  ", style="bold")
            rows.append(f"{words}\n")
        rows.append("\nIn dialogs: tab moves between fields, enter confirms, escape closes.", style="dim")
        with Vertical():
            yield Label("Keys", classes="title")
            yield VerticalScroll(Static(rows))


class RolesScreen(_Modal):
    """The role cards: who is played by a person in the room and who the model plays."""

    def compose(self) -> ComposeResult:
        """The dialog's widgets."""
        text = Text()
        for card in self.session.roles():
            text.append(f"{card.title} ({card.id})", style="bold")
            text.append(
                "  in the room\n" if card.played else "  simulated\n", style="green" if card.played else "dim"
            )
            text.append(f"{card.briefing}\n\n")
        with Vertical():
            yield Label("Role cards")
            yield VerticalScroll(Static(text))


class FireScreen(_Modal):
    """Pick an on-demand inject to fire now."""

    def compose(self) -> ComposeResult:
        """The dialog's widgets."""
        options = [ListOption(Text(f"{title} ({iid})"), id=iid) for iid, title in self.session.on_demand()]
        with Vertical():
            yield Label("Fire an inject now (enter)")
            if options:
                yield OptionList(*options, id="injects")
            else:
                yield Label("This drill has no on-demand injects.", classes="hint")

    @on(OptionList.OptionSelected, "#injects")
    def _fire(self, event: OptionList.OptionSelected) -> None:
        self.app.act(lambda s: s.fire(event.option.id), f"fired {event.option.id}")  # type: ignore[attr-defined]
        self.dismiss(None)


class NoteScreen(_Modal):
    """A timestamped note, optionally tagged to one of the drill's objectives."""

    def compose(self) -> ComposeResult:
        """The dialog's widgets."""
        options = [ListOption(Text("(no objective)"), id="")]
        options += [
            ListOption(Text(f"{oid}: {text}"[:70]), id=oid) for oid, text in _objectives(self.session)
        ]
        with Vertical():
            yield Label(Text(f"Note at {drill_time(self.session.now)}  (enter saves; tab: objective)"))
            yield Input(placeholder="what happened, what was said", id="note")
            yield OptionList(*options, id="objective")

    def _save(self) -> None:
        text = self.query_one("#note", Input).value.strip()
        if not text:
            self.app.notify("empty note not saved", severity="warning")
            return
        chosen = self.query_one("#objective", OptionList).highlighted_option
        objective = chosen.id if chosen is not None and chosen.id else None
        self.app.act(lambda s: s.note(text, objective), "note saved")  # type: ignore[attr-defined]
        self.dismiss(None)

    @on(Input.Submitted, "#note")
    def _submitted(self) -> None:
        self._save()

    @on(OptionList.OptionSelected, "#objective")
    def _picked(self) -> None:
        self._save()


class MarkScreen(_Modal):
    """Mark expectations met, partial or missed; stays open to mark several."""

    BINDINGS = [
        Binding("y", "mark('met')", "met"),
        Binding("p", "mark('partial')", "partial"),
        Binding("x", "mark('missed')", "missed"),
    ]

    def compose(self) -> ComposeResult:
        """The dialog's widgets."""
        with Vertical():
            yield Label("Expectations: y met · p partial · x missed · escape closes")
            yield OptionList(*self._options(), id="expectations")

    def _options(self) -> list[ListOption]:
        out = []
        for eid, text, outcome in self.session.expectations():
            line = Text(f"{(outcome or '—'):>7} ", style="bold")
            line.append(f"{eid}: {text}")
            out.append(ListOption(line, id=eid))
        return out

    def action_mark(self, outcome: str) -> None:
        """Give the highlighted expectation ``outcome`` and redraw the list."""
        listing = self.query_one("#expectations", OptionList)
        chosen = listing.highlighted_option
        if chosen is None:
            return
        where = listing.highlighted
        self.app.act(lambda s: s.mark(chosen.id, outcome), f"{chosen.id}: {outcome}")  # type: ignore[attr-defined]
        listing.clear_options()
        listing.add_options(self._options())
        listing.highlighted = where


class HotwashScreen(_Modal):
    """The hot wash: one answer per question, entered in turn."""

    def compose(self) -> ComposeResult:
        """The dialog's widgets."""
        self.questions = _hotwash_questions(self.session)
        # a resumed drill may have answers already (the engine keeps them; not every session does)
        self.answered: dict[str, str] = dict(getattr(self.session, "hotwash_answers", None) or [])
        with Vertical():
            yield Label("Hot wash: pick a question (enter), type the answer (enter)")
            yield OptionList(*self._options(), id="questions")
            yield Label("", id="asked")
            yield Input(placeholder="answer", id="answer")

    def _options(self) -> list[ListOption]:
        return [
            ListOption(Text(("✓ " if q in self.answered else "  ") + q), id=str(i))
            for i, q in enumerate(self.questions)
        ]

    @on(OptionList.OptionSelected, "#questions")
    def _ask(self, event: OptionList.OptionSelected) -> None:
        self.current = self.questions[int(event.option.id)]
        self.query_one("#asked", Label).update(Text(self.current))
        answer = self.query_one("#answer", Input)
        answer.value = self.answered.get(self.current, "")
        answer.focus()

    @on(Input.Submitted, "#answer")
    def _answer(self, event: Input.Submitted) -> None:
        question = getattr(self, "current", None)
        text = event.value.strip()
        if question is None or not text:
            return
        self.app.act(lambda s: s.hotwash(question, text), "answer saved")  # type: ignore[attr-defined]
        self.answered[question] = text
        listing = self.query_one("#questions", OptionList)
        where = listing.highlighted
        listing.clear_options()
        listing.add_options(self._options())
        listing.highlighted = None if where is None else min(where + 1, len(self.questions) - 1)
        event.input.value = ""
        listing.focus()


class ActionScreen(_Modal):
    """The improvement plan: add rows of action, owner and due date."""

    def compose(self) -> ComposeResult:
        """The dialog's widgets."""
        with Vertical():
            yield Label("Improvement plan (tab between fields, enter adds the row)")
            yield Static(self._table(), id="plan")
            yield Input(placeholder="action", id="action")
            with Horizontal(classes="row"):
                yield Input(placeholder="owner", id="owner")
                yield Input(placeholder="due (e.g. 2026-12-15)", id="due")

    DEFAULT_CSS = "ActionScreen .row { height: auto; } ActionScreen .row Input { width: 1fr; }"

    def _table(self) -> Text:
        rows = getattr(self.app, "plan", [])
        text = Text()
        for action, owner, due in rows:
            text.append(f"• {action}", style="bold")
            text.append(f" — {owner}, due {due}\n")
        return text if rows else Text("(no actions yet)", style="dim")

    @on(Input.Submitted)
    def _add(self, event: Input.Submitted) -> None:
        fields = {i.id: i.value.strip() for i in self.query(Input)}
        missing = [name for name, value in fields.items() if not value]
        if missing:
            self.query_one(f"#{missing[0]}", Input).focus()
            return
        action, owner, due = fields["action"], fields["owner"], fields["due"]
        if self.app.act(lambda s: s.action(action, owner, due), "action added"):  # type: ignore[attr-defined]
            self.app.plan.append((action, owner, due))  # type: ignore[attr-defined]
        for field in self.query(Input):
            field.value = ""
        self.query_one("#plan", Static).update(self._table())
        self.query_one("#action", Input).focus()


class FinishScreen(ModalScreen[bool]):
    """Ask before ending the drill and writing the outputs."""

    BINDINGS = [Binding("y", "answer(True)", "yes"), Binding("n,escape", "answer(False)", "no")]
    DEFAULT_CSS = """
    FinishScreen { align: center middle; }
    FinishScreen > Label { width: 60; border: thick $warning; background: $surface; padding: 1 2; }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        """The dialog's widgets."""
        yield Label(Text(self.question))

    def action_answer(self, yes: bool) -> None:
        """Close with the answer."""
        self.dismiss(yes)


# ---------------------------------------------------------------------------------------------
# the console
# ---------------------------------------------------------------------------------------------
class DrillConsole(App[Path | None]):
    """The facilitator's console for one drill session."""

    TITLE = "incsim drill"
    CSS = """
    #bar { height: 1; background: $primary; color: $text; padding: 0 1; }
    #body { height: 1fr; }
    #left { width: 1fr; }
    #right { width: 32; }
    #incident { height: 2fr; border: round $secondary; }
    #executive { height: 1fr; border: round $secondary; }
    #decision { height: 1fr; border: round $warning; padding: 0 1; overflow-y: auto; }
    #upcoming { height: 1fr; border: round $secondary; padding: 0 1; }
    RichLog { scrollbar-size-vertical: 1; }
    """
    ENABLE_COMMAND_PALETTE = False  # every command has a key; the palette's footer slot is worth more
    BINDINGS = [
        Binding("question_mark", "help", "help", key_display="?"),
        Binding("space", "pause", "pause", key_display="space"),
        Binding("n", "step", "step"),
        Binding("plus,equals_sign", "speed(1)", "faster", show=False, key_display="+"),
        Binding("minus", "speed(-1)", "slower", show=False, key_display="-"),
        *[Binding(str(i), f"choose({i})", f"option {i}", show=False) for i in range(1, 10)],
        Binding("t", "note", "note"),
        Binding("m", "mark", "mark"),
        Binding("f", "fire", "fire"),
        Binding("r", "roles", "roles", show=False),
        Binding("w", "hotwash", "hot wash", show=False),
        Binding("a", "plan", "plan", show=False),
        Binding("F", "finish", "finish", key_display="F"),
        Binding("q", "quit_console", "quit", show=False),
    ]
    HELP = {  # the help screen's longer wording, by action
        "help": "this screen",
        "pause": "pause or resume the clock (real time or accelerated)",
        "step": "run to the next inject or decision",
        "speed(1)": "faster clock (×1 ×2 ×5 ×10 ×20 ×60 ×120)",
        "speed(-1)": "slower clock",
        "choose(1)": "choose that option of the pending decision",
        "note": "timestamped note, tagged to an objective",
        "mark": "mark expectations met / partial / missed",
        "fire": "fire an on-demand inject now",
        "roles": "role cards (who is played, who is simulated)",
        "hotwash": "hot-wash questions and answers",
        "plan": "improvement plan: action, owner, due date",
        "finish": "end the drill and write transcript and after-action report",
        "quit_console": "quit without writing the outputs",
    }

    def __init__(
        self,
        session: DrillSession,
        speed: float | None = None,
        stepped: bool = False,
        out_dir: Path | None = None,
        force: bool = False,
        finish_options: dict | None = None,
        paused: bool = False,
    ) -> None:
        super().__init__()
        self.session = session
        self.stepped = stepped
        self.speed = float(speed) if speed else 1.0
        self.paused = paused
        self.out_dir = out_dir
        self.force = force
        self.finish_options = dict(finish_options or {})  # passed on to aar.write_outputs (e.g. replications)
        self.plan: list[tuple[str, str, str]] = [  # rows already there when a drill is resumed
            (r["action"], r["owner"], r["due"]) for r in getattr(session, "plan", None) or []
        ]
        self.written: Path | None = None
        self._seen = 0
        self._asked: dict[str, float] = {}  # decision id -> real time it first showed
        self._finishing = False
        self.wall = time.monotonic  # the real clock; tests give a fake one
        self._last_tick = self.wall()
        self.title = safe_text(session.title)

    # -- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        """The status bar, the two channels, the decision and what comes next."""
        yield Static(id="bar")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield RichLog(id="incident", wrap=True, markup=False, auto_scroll=True, min_width=10)
                yield RichLog(id="executive", wrap=True, markup=False, auto_scroll=True, min_width=10)
            with Vertical(id="right"):
                yield Static(id="decision")
                yield Static(id="upcoming")
        yield Footer()

    def on_mount(self) -> None:
        """Title the panels, start the clock unless stepped, draw."""
        self.query_one("#incident").border_title = "incident channel"
        self.query_one("#executive").border_title = "executive channel"
        self.query_one("#upcoming").border_title = "upcoming"
        if not self.stepped:
            self._last_tick = self.wall()
            self.set_interval(TICK_S, self._tick)
        self.refresh_view()

    # -- clock -------------------------------------------------------------------------------
    def _tick(self) -> None:
        now = self.wall()
        real_s, self._last_tick = now - self._last_tick, now
        if self.paused or self.session.finished or self._finishing:
            return
        self.act(lambda s: s.advance(real_s / 60.0 * self.speed))

    def mode(self) -> str:
        """How the clock runs now, in a few words for the status bar."""
        if self.session.finished:
            return "OVER"
        if self.stepped:
            return "stepped"
        if self.paused:
            return "PAUSED"
        return "real time" if self.speed == 1.0 else f"×{self.speed:g}"

    # -- doing things to the session -----------------------------------------------------------
    def act(self, change, done: str | None = None) -> bool:
        """Apply ``change(session)`` under the session's lock, report a refusal, redraw; True if it worked."""
        if self._finishing:
            self.notify("the outputs are being written", severity="warning")
            return False
        try:
            with guard(self.session):
                change(self.session)
        except (ValueError, KeyError, LookupError, RuntimeError) as exc:
            self.notify(str(exc), severity="error")
            self.refresh_view()
            return False
        if self.session.transcript.journal_error:
            self.notify(self.session.transcript.journal_error, severity="error", timeout=10)
        elif done:
            self.notify(done, timeout=2)
        self.refresh_view()
        return True

    def refresh_view(self) -> None:
        """Redraw the status bar, the new feed items, the pending decision and what comes next."""
        s = self.session
        if self._finishing:
            return  # the writer holds the session until it is done
        try:
            bar_widget = self.query_one("#bar", Static)
        except NoMatches:
            return  # a clock tick that arrives while the console is closing
        with guard(s):
            st = s.status()
            items = s.feed(self._seen)
            pending = s.pending_decision()
            upcoming = s.upcoming()
            finished = s.finished
        bar = Text()
        bar.append(f"{drill_time(st.now)} {st.local} ", style="bold")
        bar.append(f"{self.mode():<9} ", style="bold reverse" if self.paused or finished else "bold")
        bar.append(f"{st.protocol} · {st.services_affected} svc affected · {st.people_engaged} engaged")
        bar.append(" · room open" if st.room_open else "")
        bar.append(" · RESOLVED" if st.resolved else (" · mitigated" if st.mitigated else ""))
        if st.exposure:
            bar.append(f" · exposure {st.exposure:g}")
        bar_widget.update(bar)
        incident, exec_ = self.query_one("#incident", RichLog), self.query_one("#executive", RichLog)
        for item in items:
            (exec_ if item.lane == "executive" else incident).write(feed_line(item))
            self._seen = max(self._seen, item.index + 1)
        box = self.query_one("#decision", Static)
        box.display = pending is not None
        # a pending decision takes the whole column: long prompts and options must fit at 80×24
        self.query_one("#upcoming", Static).display = pending is None
        if pending is not None:
            self._asked.setdefault(pending.id, self.wall())  # when the room first saw it
            box.border_title = f"decide: {pending.role}"
            text = Text(f"{pending.prompt}\n", style="bold")
            left = pending.deadline - st.now
            text.append(f"default {pending.default} in {drill_time(left)[2:]} sim", style="yellow")
            if not self.stepped and self.speed:
                text.append(f" ({left * 60 / self.speed:.0f}s)", style="yellow")
            text.append("\n")
            for i, opt in enumerate(pending.options, start=1):
                text.append(f"{i} ", style="bold reverse")
                text.append(f" {opt.label}{' ★' if opt.recommended else ''}\n")
            box.update(text)
        up = Text()
        if finished:
            up.append("The drill is over.\nw hot wash · a plan · F finish\n\n", style="bold green")
        for u in upcoming[:8]:
            up.append(f"{u.id} ", style="bold")
            up.append(f"{u.lane}\n", style="dim")
            up.append(f"  {u.when}\n", style="dim")
        if not upcoming and not finished:
            up.append("no scheduled injects left", style="dim")
        self.query_one("#upcoming", Static).update(up)

    # -- actions -----------------------------------------------------------------------------
    def _open(self, dialog: ModalScreen) -> None:
        self.push_screen(dialog, lambda _: self.refresh_view())

    def action_help(self) -> None:
        """Show the key bindings."""
        self._open(HelpScreen())

    def action_pause(self) -> None:
        """Pause or resume the running clock."""
        self.paused = not self.paused
        self._last_tick = self.wall()
        self._journal_clock()
        self.refresh_view()

    def _journal_clock(self) -> None:
        """Keep the clock's position, speed and pause in the transcript (``--resume`` restores them)."""
        with guard(self.session):
            self.session.clock(self.speed, self.paused)

    def action_step(self) -> None:
        """Run to the next inject or decision (not past a decision waiting for the room)."""
        if self.session.finished:
            self.notify("the drill is over: F writes the outputs", severity="warning")
            return
        if self.session.pending_decision() is not None:  # stepping would run out its countdown unseen
            self.notify("a decision is waiting: choose an option (1-9) first", severity="warning")
            return
        self.act(lambda s: s.step())

    def action_speed(self, direction: int) -> None:
        """Move the clock's speed one notch up (1) or down (-1)."""
        faster = [v for v in SPEEDS if v > self.speed]
        slower = [v for v in SPEEDS if v < self.speed]
        if direction > 0 and faster:
            self.speed = faster[0]
        elif direction < 0 and slower:
            self.speed = slower[-1]
        self._journal_clock()
        self.refresh_view()

    def action_choose(self, number: int) -> None:
        """Take option ``number`` (from 1) of the pending decision."""
        pending = self.session.pending_decision()
        if pending is None:
            self.notify("no decision is pending", severity="warning")
            return
        if not 1 <= number <= len(pending.options):
            self.notify(f"no option {number}", severity="warning")
            return
        option = pending.options[number - 1]
        real = self.wall() - self._asked.get(pending.id, self.wall())
        self.act(lambda s: s.decide(pending.id, option.id, real), f"{pending.id}: {option.label}")

    def action_note(self) -> None:
        """Open the note dialog."""
        self._open(NoteScreen())

    def action_mark(self) -> None:
        """Open the expectations to mark."""
        self._open(MarkScreen())

    def action_fire(self) -> None:
        """Open the on-demand injects."""
        self._open(FireScreen())

    def action_roles(self) -> None:
        """Show the role cards."""
        self._open(RolesScreen())

    def action_hotwash(self) -> None:
        """Open the hot-wash questions."""
        self._open(HotwashScreen())

    def action_plan(self) -> None:
        """Open the improvement plan."""
        self._open(ActionScreen())

    def action_quit_console(self) -> None:
        """Leave without writing the outputs (the journal keeps where the clock stood)."""
        self.paused = True
        self._journal_clock()
        self.exit(None)

    def action_finish(self) -> None:
        """Ask, then end the drill and write the outputs."""
        if self._finishing:
            return
        where = f" and write the outputs to {self.out_dir}" if self.out_dir else ""
        early = "" if self.session.finished else "The incident is not over yet. "
        self.push_screen(FinishScreen(f"{early}End the drill{where}? (y/n)"), self._confirmed)

    def _confirmed(self, yes: bool | None) -> None:
        if not yes:
            return
        if self.out_dir is None:
            self.exit(None)
            return
        self._finishing = True
        self.notify("writing the transcript and the after-action report…", timeout=30)
        # the after-action report replays counterfactuals: run it off the event loop
        self.run_worker(self._write, thread=True, exclusive=True, name="finish")

    def _write(self) -> None:
        from incsim.drill.aar import write_outputs

        try:
            with guard(self.session):
                path = write_outputs(self.session, self.out_dir, force=self.force, **self.finish_options)
        except Exception as exc:  # noqa: BLE001 - shown to the facilitator, who can retry or quit
            self.call_from_thread(self._failed, exc)
            return
        self.call_from_thread(self._written, path)

    def _failed(self, exc: Exception) -> None:
        self._finishing = False
        self.notify(f"could not write the outputs: {exc}", severity="error", timeout=10)

    def _written(self, path: Path) -> None:
        self.written = Path(path)
        self.exit(self.written)


def run_console(
    session: DrillSession,
    speed: float | None,
    stepped: bool,
    out_dir: Path | None = None,
    force: bool = False,
    paused: bool = False,
    **finish_options: Any,
) -> None:
    """Run the facilitator's console on ``session`` until the facilitator finishes or quits.

    With ``out_dir``, finishing writes the session's outputs there (``drill.aar.write_outputs``);
    without it, finishing only ends the console and the caller writes them. Other keyword
    arguments go to ``write_outputs`` (for instance ``replications``).
    """
    DrillConsole(
        session,
        speed=speed,
        stepped=stepped,
        out_dir=out_dir,
        force=force,
        finish_options=finish_options,
        paused=paused,
    ).run()
