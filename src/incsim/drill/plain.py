"""Line mode: the drill on a bare terminal or a screen-share, one command per line.

It reads commands from a text stream (the keyboard, or a pipe) and prints the feed as it
grows. It shares everything with the console through ``DrillSession``; only the wording lives
here.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from typing import TextIO

from incsim.clock import drill_time
from incsim.drill.feed import safe_text

HELP = """\
commands (one per line):
  s                      step to the next inject or decision (or the end)
  a N                    advance N simulated minutes
  d [DECISION] OPTION    answer the pending decision (or DECISION) with OPTION
  f INJECT               fire an inject now (on-demand ones are listed by 'i')
  n [OBJECTIVE] TEXT     a timestamped note, tagged when the first word is an objective id
  m EXPECTATION met|partial|missed
  w N ANSWER             a hot-wash answer to question N (numbered by 'w')
  p ACTION | OWNER | DUE add a row to the improvement plan
  pl ROLE ACTION [KEY=VALUE ...]   what a player does: ack, join, leave, answer,
                         update status=investigating|mitigated [channel=incident|executive|status]
                           [next_steps="..."] [eta=MIN] [text="..."], ask team=T, page who=W,
                         escalate [reason="..."]
  st  status    u  upcoming injects    i  on-demand injects    r  roles    e  expectations
  mo  tabletop modules with their discussion questions
  h   this help
  q   end the drill (the model plays the incident out) and write the report"""


class Plain:
    """A line-mode loop over one session."""

    def __init__(self, session, out: TextIO) -> None:
        self.s = session
        self.out = out
        self.seen = 0

    def say(self, text: str = "") -> None:
        """Print one line and flush (a screen-share shows it at once)."""
        self.out.write(safe_text(text) + "\n")
        self.out.flush()

    def show_feed(self) -> None:
        """Print the feed items not shown yet."""
        for f in self.s.feed(self.seen):
            self.say(f"{drill_time(f.t)}  {f.lane:<11} {f.sender:<14} {f.text}")
        self.seen = len(self.s.feed())

    def show_pending(self) -> None:
        """Print the pending decision and its options, if any."""
        p = self.s.pending_decision()
        if p is None:
            return
        self.say(f"DECISION {p.id} for {p.role}: {p.prompt}")
        for o in p.options:
            mark = " (default)" if o.id == p.default else ""
            self.say(f"    {o.id:<14} {o.label}{mark}")
        self.say(f"    answer with: d {p.id} OPTION   (default taken at {drill_time(p.deadline).strip()})")

    def intro(self) -> None:
        """The drill's title, roles and a hint."""
        s = self.s
        self.say(
            f"{s.title}  (seed {s.seed}, protocol {s.protocol}, {s.drill.metadata.duration_min:g} min planned; "
            f"T+00:00 is {s.when(0.0).split('(')[1].rstrip(')')} local)"
        )
        for r in s.roles():
            self.say(f"  role {r.id}: {r.title}{'' if r.played else ' (simulated)'}")
        self.say("type h for help")
        self.show_feed()
        self.show_pending()

    def command(self, line: str) -> bool:
        """Run one command; False when the drill should end."""
        s = self.s
        words = line.split()
        if not words:
            return True
        cmd, rest = words[0].lower(), words[1:]
        try:
            if cmd in ("q", "quit"):
                return False
            if cmd in ("h", "help", "?"):
                self.say(HELP)
            elif cmd == "s":
                p = s.pending_decision()
                if p is not None:  # stepping would run out the countdown and take the default unseen
                    self.say(
                        f"! decision {p.id} is waiting: answer it (d OPTION), or let the clock run with a N"
                    )
                else:
                    s.step()
            elif cmd == "pl":
                import shlex

                words = shlex.split(line)[1:]
                if len(words) < 2:
                    self.say("usage: pl ROLE ACTION [KEY=VALUE ...]")
                else:
                    args = {}
                    for w in words[2:]:
                        key, sep, value = w.partition("=")
                        if not sep:
                            raise ValueError(f"'{w}' is not KEY=VALUE")
                        args[key] = float(value) if key == "eta" else value
                    s.act(words[0], words[1], **args)
            elif cmd == "a":
                s.advance(float(rest[0]) if rest else 1.0)
            elif cmd == "d":
                p = s.pending_decision()
                if len(rest) == 1 and p is not None:
                    s.decide(p.id, rest[0])
                elif len(rest) == 2:
                    s.decide(rest[0], rest[1])
                else:
                    self.say("usage: d [DECISION] OPTION")
            elif cmd == "f":
                s.fire(rest[0])
            elif cmd == "n":
                objectives = {o.id for o in s.drill.objectives}
                if rest and rest[0] in objectives and len(rest) > 1:
                    s.note(" ".join(rest[1:]), rest[0])
                elif rest:
                    s.note(" ".join(rest))
            elif cmd == "m":
                s.mark(rest[0], rest[1])
                self.say(f"marked {rest[0]}: {rest[1]}")
            elif cmd == "w":
                qs = list(s.drill.hotwash)
                if not rest:
                    for i, q in enumerate(qs, 1):
                        self.say(f"  {i}. {q}")
                else:
                    k = int(rest[0])
                    if not 1 <= k <= len(qs):
                        raise IndexError(f"no hot-wash question {k}")
                    s.hotwash(qs[k - 1], " ".join(rest[1:]))
            elif cmd == "p":
                parts = [x.strip() for x in " ".join(rest).split("|")]
                if len(parts) != 3 or not parts[0]:
                    self.say("usage: p ACTION | OWNER | DUE")
                else:
                    s.action(*parts)
            elif cmd == "st":
                st = s.status()
                self.say(
                    f"{s.when(st.now)}  {st.protocol}; services affected {st.services_affected}; "
                    f"call {'open' if st.room_open else 'closed'}; people engaged {st.people_engaged}; "
                    f"{'resolved' if st.resolved else 'mitigated' if st.mitigated else 'ongoing'}"
                    + (f"; exposure {st.exposure:.0f}" if st.exposure else "")
                )
            elif cmd == "u":
                for u in s.upcoming():
                    self.say(f"  {u.id:<16} {u.when:<24} {u.lane}")
            elif cmd == "i":
                for iid, title in s.on_demand():
                    self.say(f"  {iid:<16} {title}")
            elif cmd == "r":
                for r in s.roles():
                    self.say(f"  {r.id}: {r.title}{'' if r.played else ' (simulated)'} - {r.briefing}")
            elif cmd == "mo":
                for m in s.drill.modules:
                    self.say(f"  module {m.id}: {m.title} ({', '.join(m.injects + m.decisions)})")
                    for q in m.questions:
                        self.say(f"    - {q}")
            elif cmd == "e":
                for eid, text, outcome in s.expectations():
                    self.say(f"  {eid:<16} {outcome or '-':<8} {text}")
            else:
                self.say(f"unknown command '{cmd}' (h for help)")
        except (KeyError, ValueError, IndexError) as exc:
            msg = exc.args[0] if exc.args else str(exc)
            self.say(f"! {msg}" if not isinstance(exc, IndexError) or exc.args else "! missing argument")
        if s.transcript.journal_error:
            self.say(f"! {s.transcript.journal_error}")
        self.show_feed()
        self.show_pending()
        if s.finished:
            self.say(
                "the drill is over: q writes the report (notes, marks and hot-wash answers still welcome)"
            )
        return True


def run_plain(session, lines: Iterable[str], out: TextIO, lock: AbstractContextManager | None = None) -> None:
    """Drive ``session`` with commands from ``lines`` until 'q' or the end of input; ``lock`` (the
    projector's) is held while each command runs."""
    ui = Plain(session, out)
    lock = lock if lock is not None else nullcontext()
    with lock:
        ui.intro()
    for line in lines:
        with lock:
            going = ui.command(line)
        if not going:
            break
    ui.say("ending the drill: the model plays the incident out")
