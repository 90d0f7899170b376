"""The transcript: every human action of a drill with its simulated time, as YAML.

Each action is one line (a JSON flow mapping, which is YAML), so a running drill can append
and flush the line the moment an action happens (the journal): a Ctrl-C or a killed process
keeps everything done so far, and ``--resume`` replays it. Times are written with ``repr`` so
they read back as the very same floats.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from incsim.scenario.drill import Drill

DO_KEYS = {
    "decide": ("decision", "option"),
    "fire": ("inject",),
    "note": ("text",),
    "mark": ("expectation", "outcome"),
    "hotwash": ("question", "answer"),
    "action": ("action", "owner", "due"),
    "play": ("role", "action"),
    "clock": ("speed", "paused"),
}
"""Each action (its ``do:``) and the keys it needs."""

ACTIONS: dict[str, tuple[str, ...]] = {
    "ack": (),
    "join": (),
    "leave": (),
    "update": ("status",),
    "answer": (),
    "ask": ("team",),
    "page": ("who",),
    "escalate": (),
    "handover": ("to",),
    "mitigated": (),
}
"""A player's actions and the arguments each needs (``decide`` goes through ``decide``)."""


@dataclass(frozen=True)
class Action:
    """One thing a person did, at ``t`` simulated minutes after T0."""

    t: float
    action: str
    """What was done (written ``do:``): a key of ``DO_KEYS``."""
    args: dict[str, Any]

    def line(self) -> str:
        """The action as one YAML list item."""
        t = repr(float(self.t))
        if "e" in t or "n" in t:
            t = format(self.t, ".12f")
        body = json.dumps({"do": self.action, **self.args}, ensure_ascii=False, sort_keys=False)
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
    source: str = ""
    """The file it was read from (for located problems; empty when made in memory)."""
    places: list[tuple[int, int]] = field(default_factory=list, repr=False, compare=False)
    """The 1-based line and column of each action in ``source``."""
    drill_place: tuple[int, int] = field(default=(1, 1), repr=False, compare=False)
    """The 1-based line and column of the ``drill:`` title in ``source``."""

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


OPTIONAL = {"decide": ("real_s",), "note": ("objective",)}
"""Keys an action may carry beyond those it needs (``play`` passes any to the player's action)."""
OUTCOMES = ("met", "partial", "missed")


def transcript_from_text(text: str, file: str = "<string>") -> Transcript:
    """A transcript from YAML ``text``: every value of the right type and range (times finite,
    in order and within the drill's world, the seed a 64-bit non-negative integer)."""
    from incsim.scenario.drill import HORIZON_MIN
    from incsim.scenario.schema import MAX_SEED

    root = read_document(text, file, "drill transcript")

    def bad(message: str, pos: tuple[int, int] | None, path: str = "") -> ScenarioError:
        line, col = pos or (0, 0)
        return ScenarioError([LocatedProblem(file, line + 1, col + 1, path, message)])

    if root.get("kind") != "DrillTranscript":
        raise bad("not a drill transcript (expected 'kind: DrillTranscript')", pos_of(root))
    data = to_plain(root, file)
    for key in ("drill", "protocol"):
        if key in data and not isinstance(data[key], str):
            raise bad(f"expected a text, got {_what(data[key])}", _value_pos(root, key), key)
    seed = data.get("seed", 0)
    if not _integer(seed) or not 0 <= seed <= MAX_SEED:
        raise bad(
            f"expected a whole number from 0 to 2**64-1, got {_what(seed)}", _value_pos(root, "seed"), "seed"
        )
    seq = root.get("actions")
    acts = data.get("actions") or []
    if not isinstance(acts, list):
        raise bad("expected a list", key_pos(root, "actions"), "actions")
    out = []
    places = []
    last = 0.0
    for i, a in enumerate(acts):
        where = item_pos(seq, i) if isinstance(seq, CommentedSeq) else None
        if not isinstance(a, dict) or a.get("do") not in DO_KEYS:
            raise bad(f"expected an action with 'do' one of: {', '.join(DO_KEYS)}", where, f"actions.{i}")
        t = a.get("t")
        if not _number(t) or not 0 <= t <= HORIZON_MIN:
            raise bad(
                f"'t' must be a number of minutes from 0 to {HORIZON_MIN:g} (the drill's world ends "
                f"there), got {_what(t)}",
                where,
                f"actions.{i}.t",
            )
        if t < last:
            raise bad(f"actions must be in time order (T+{t:g} after T+{last:g})", where, f"actions.{i}.t")
        last = float(t)
        do = a["do"]
        missing = [k for k in DO_KEYS[do] if k not in a]
        if missing:
            raise bad(f"missing required key '{missing[0]}'", where, f"actions.{i}")
        args = {k: v for k, v in a.items() if k not in ("t", "do")}
        wrong = _wrong_arg(do, args)
        if wrong is not None:
            raise bad(wrong[1], where, f"actions.{i}.{wrong[0]}")
        out.append(Action(float(t), do, args))
        places.append((where[0] + 1, where[1] + 1) if where else (1, 1))
    title_at = _value_pos(root, "drill") or (0, 0)
    return Transcript(
        drill=data.get("drill", ""),
        seed=seed,
        protocol=data.get("protocol", ""),
        actions=out,
        source=file,
        places=places,
        drill_place=(title_at[0] + 1, title_at[1] + 1),
    )


def _value_pos(root: Any, key: str) -> tuple[int, int] | None:
    from incsim.scenario.loader import value_pos

    return value_pos(root, key) if key in root else pos_of(root)


def _integer(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _number(v: Any) -> bool:
    """A finite int or float (not a boolean, not NaN or infinite)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _what(v: Any) -> str:
    """A value in a message, cut short (an integer of any length too)."""
    if _integer(v) and abs(v) >= 10**30:
        return f"a {'negative ' if v < 0 else ''}number of {len(format(abs(v), 'x')) * 4} bits"
    text = repr(v) if isinstance(v, float) else json.dumps(v, ensure_ascii=True, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def _scalar(v: Any) -> bool:
    return v is None or isinstance(v, (str, bool)) or _number(v)


def _wrong_arg(do: str, args: dict[str, Any]) -> tuple[str, str] | None:
    """(key, why) of the first argument of a ``do`` action of the wrong type, or None."""
    numbers = {"real_s": (0.0, 86400.0 * 365), "speed": (0.01, 1e6)}
    for k, v in args.items():
        if do not in ("play",) and k not in DO_KEYS[do] and k not in OPTIONAL.get(do, ()):
            known = ", ".join((*DO_KEYS[do], *OPTIONAL.get(do, ())))
            return k, f"a '{do}' action takes {known}, not '{k}'"
        if k in numbers:
            lo, hi = numbers[k]
            if v is None and k == "real_s":
                continue
            if not _number(v) or not lo <= v <= hi:
                return k, f"expected a number from {lo:g} to {hi:g}, got {_what(v)}"
        elif k == "paused":
            if not isinstance(v, bool):
                return k, f"expected true or false, got {_what(v)}"
        elif k == "objective":
            if v is not None and not isinstance(v, str):
                return k, f"expected an objective's id or null, got {_what(v)}"
        elif do == "play" and k == "impact":
            if v is not None and not (isinstance(v, list) and all(_scalar(x) for x in v)):
                return k, f"expected a list of the services affected, got {_what(v)}"
        elif do == "play" and k not in ("role", "action"):
            if not (_scalar(v) or isinstance(v, list) and all(_scalar(x) for x in v)):
                return k, f"expected a text, a number or a list of them, got {_what(v)}"
        elif not isinstance(v, str):
            return k, f"expected a text, got {_what(v)}"
    return None


def transcript_problems(transcript: Transcript, drill: Drill) -> list[LocatedProblem]:
    """What in ``transcript`` names something ``drill`` does not have (its title, a decision or its
    option, an inject, an expectation, an objective, a played role, a player's action), located."""
    decisions = {d.id: [o.id for o in d.options] for d in drill.decisions}
    injects = [i.id for i in drill.injects]
    expectations = [e.id for i in drill.injects for e in i.expectations]
    objectives = [o.id for o in drill.objectives]
    played = [r.id for r in drill.seats if r.played]
    where = transcript.source or "<transcript>"
    out = []
    if transcript.drill and transcript.drill != drill.metadata.title:
        message = f"recorded for the drill '{transcript.drill}', not '{drill.metadata.title}'"
        out.append(LocatedProblem(where, *transcript.drill_place, "drill", message))
    for i, act in enumerate(transcript.actions):
        a = act.args
        checks: list[tuple[str, Any, list[str], str]] = []
        if act.action == "decide":
            checks.append(("decision", a["decision"], list(decisions), "decision"))
            if a["decision"] in decisions:
                checks.append(
                    ("option", a["option"], decisions[a["decision"]], f"option of decision '{a['decision']}'")
                )
        elif act.action == "fire":
            checks.append(("inject", a["inject"], injects, "inject"))
        elif act.action == "mark":
            checks.append(("expectation", a["expectation"], expectations, "expectation"))
            checks.append(("outcome", a["outcome"], list(OUTCOMES), "outcome"))
        elif act.action == "note" and a.get("objective") is not None:
            checks.append(("objective", a["objective"], objectives, "objective"))
        elif act.action == "play":
            checks.append(("role", a["role"], played, "played role"))
            checks.append(("action", a["action"], list(ACTIONS), "player's action"))
        line, col = transcript.places[i] if i < len(transcript.places) else (1, 1)
        for key, value, known, what in checks:
            if value not in known:
                message = f"unknown {what}: '{value}'{_known(str(value), known)}"
                out.append(LocatedProblem(where, line, col, f"actions.{i}.{key}", message))
                break
        else:
            need = [k for k in ACTIONS.get(a["action"], ()) if k not in a] if act.action == "play" else []
            if need:
                message = f"a '{a['action']}' action needs '{need[0]}'"
                out.append(LocatedProblem(where, line, col, f"actions.{i}", message))
    return out


def _known(name: str, known: list[str]) -> str:
    from incsim.scenario.checks import did_you_mean

    return f"{did_you_mean(name, known)}; known: {', '.join(known) if known else '(none)'}"
