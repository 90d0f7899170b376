"""The transcript: every human action of a drill with its simulated time, as YAML.

Each action is one line (a JSON flow mapping, which is YAML), so a running drill can append
and flush the line the moment an action happens (the journal): a Ctrl-C or a killed process
keeps everything done so far, and ``--resume`` replays it. Times are written with ``repr`` so
they read back as the very same floats.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedSeq

from incsim.files import atomic_write
from incsim.scenario.loader import (
    LocatedProblem,
    ScenarioError,
    item_pos,
    key_pos,
    pos_of,
    read_document,
    read_scenario_text,
    to_plain,
)

KINDS = {
    "decide": ("decision", "option"),
    "fire": ("inject",),
    "note": ("text",),
    "mark": ("expectation", "outcome"),
    "hotwash": ("question", "answer"),
    "action": ("action", "owner", "due"),
    "play": ("role", "action"),
    "clock": ("speed", "paused"),
}
"""Action kinds and the keys each one needs."""


@dataclass(frozen=True)
class Action:
    """One thing a person did, at ``t`` simulated minutes after T0."""

    t: float
    kind: str
    args: dict[str, Any]

    def line(self) -> str:
        """The action as one YAML list item."""
        t = repr(float(self.t))
        if "e" in t or "n" in t:
            t = format(self.t, ".12f")
        body = json.dumps({"do": self.kind, **self.args}, ensure_ascii=False, sort_keys=False)
        return f'- {{"t": {t}, {body[1:]}\n'


@dataclass
class Transcript:
    """A drill's recorded actions, with the drill, seed and protocol they were taken under."""

    drill: str = ""
    seed: int = 0
    protocol: str = ""
    actions: list[Action] = field(default_factory=list)
    journal: Path | None = None
    journal_error: str | None = None
    """Why the journal could not be written last time (the actions are kept; the next action
    writes the whole journal again), or None."""

    def header(self) -> str:
        """The YAML before the first action."""
        return (
            "# incsim drill transcript: replay with  incsim drill DRILL.yaml --script THIS_FILE\n"
            "apiVersion: incsim/v1\nkind: DrillTranscript\n"
            f"drill: {json.dumps(self.drill, ensure_ascii=False)}\nseed: {self.seed}\n"
            f"protocol: {json.dumps(self.protocol)}\nactions:\n"
        )

    def text(self) -> str:
        """The whole transcript as YAML text."""
        return self.header() + "".join(a.line() for a in self.actions)

    def add(self, action: Action) -> None:
        """Record ``action``; with a journal, append and flush it to disk at once."""
        self.actions.append(action)
        if self.journal is None:
            return
        try:
            if self.journal_error is not None:  # a line was lost: the whole journal again, atomically
                atomic_write(self.journal, self.text())
            else:
                with open(self.journal, "a", encoding="utf-8", newline="") as fh:
                    fh.write(action.line())
                    fh.flush()
                    os.fsync(fh.fileno())
            self.journal_error = None
        except OSError as exc:
            self.journal_error = (
                f"{self.journal}: cannot write the journal ({exc.strerror or exc}); the action "
                "is kept and the journal is written again with the next one"
            )

    def start_journal(self, path: Path) -> None:
        """Write the header and the actions so far to ``path`` (whole or not at all: on ``--resume``
        it replaces the journal it was read from), then append every new action."""
        atomic_write(path, self.text())
        self.journal = path


def load_transcript(path: str | Path) -> Transcript:
    """A transcript read from YAML; problems are ``ScenarioError`` lines with FILE:LINE:COL."""
    file = str(path)
    text = read_scenario_text(path)
    return transcript_from_text(text, file)


def transcript_from_text(text: str, file: str = "<string>") -> Transcript:
    """A transcript from YAML ``text``."""
    root = read_document(text, file, "drill transcript")

    def bad(message: str, pos: tuple[int, int] | None, path: str = "") -> ScenarioError:
        line, col = pos or (0, 0)
        return ScenarioError([LocatedProblem(file, line + 1, col + 1, path, message)])

    if root.get("kind") != "DrillTranscript":
        raise bad("not a drill transcript (expected 'kind: DrillTranscript')", pos_of(root))
    data = to_plain(root, file)
    seq = root.get("actions")
    acts = data.get("actions") or []
    if not isinstance(acts, list):
        raise bad("expected a list", key_pos(root, "actions"), "actions")
    out = []
    last = 0.0
    for i, a in enumerate(acts):
        where = item_pos(seq, i) if isinstance(seq, CommentedSeq) else None
        if not isinstance(a, dict) or a.get("do") not in KINDS:
            raise bad(f"expected an action with 'do' one of: {', '.join(KINDS)}", where, f"actions.{i}")
        t = a.get("t")
        if not isinstance(t, (int, float)) or isinstance(t, bool) or t < 0:
            raise bad("'t' must be a non-negative number of minutes", where, f"actions.{i}.t")
        if t < last:
            raise bad(f"actions must be in time order (T+{t:g} after T+{last:g})", where, f"actions.{i}.t")
        last = float(t)
        kind = a["do"]
        missing = [k for k in KINDS[kind] if k not in a]
        if missing:
            raise bad(f"missing required key '{missing[0]}'", where, f"actions.{i}")
        args = {k: v for k, v in a.items() if k not in ("t", "do")}
        out.append(Action(float(t), kind, args))
    seed = data.get("seed", 0)
    return Transcript(
        drill=str(data.get("drill", "")),
        seed=int(seed) if isinstance(seed, int) else 0,
        protocol=str(data.get("protocol", "")),
        actions=out,
    )
