"""Reading an ``incsim run`` results folder: its files checked, its event logs found and read.

Every problem becomes a ``ReportError`` whose message names the file, so a reader learns what is
wrong with the folder rather than where the reader code tripped.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from incsim.files import OutputError, check_seal, read_sealed_json
from incsim.model.events import Event, event_from_dict
from incsim.scenario.loader import ScenarioError, load_scenario_text
from incsim.scenario.schema import Scenario

REQUIRED_FILES = ("run.json", "incidents.csv", "summary.csv", "scenario.yaml")
INCIDENT_NEEDS = (
    "replication",
    "protocol",
    "incident_id",
    "category",
    "ttr_min",
    "engineer_hours",
    "non_essential_hours",
    "cost_usd",
)
SUMMARY_NEEDS = (
    "kind",
    "category",
    "protocol",
    "metric",
    "n_incidents",
    "n_replications",
    "mean",
    "ci_low",
    "ci_high",
    "median",
    "p90",
)
RUN_NEEDS = ("protocols", "replications", "horizon_days")
_EVENT_FILE = re.compile(r"^replication-(\d+)\.jsonl$")


class ReportError(Exception):
    """The results folder cannot be reported on; the message is one line naming the file."""


# -- loading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Results:
    """The files of one ``incsim run`` results folder, read and checked."""

    path: Path
    run: dict
    incidents: pd.DataFrame
    summary: pd.DataFrame
    scenario_text: str
    scenario: Scenario
    event_files: dict[int, Path]
    time: pd.DataFrame | None = None
    pilot: dict | None = None

    @property
    def protocols(self) -> list[str]:
        """Protocols in run order; the first is the baseline the others are compared against."""
        return [str(p) for p in self.run["protocols"]]

    @property
    def baseline(self) -> str:
        """The protocol the others are compared against."""
        return self.protocols[0]

    @property
    def bootstrap_metrics(self) -> list[str]:
        """Metrics with at least one interval made by the percentile bootstrap (``ci_method``),
        because a t interval would have gone below zero; empty for results without that column."""
        if "ci_method" not in self.summary.columns:
            return []
        rows = self.summary[self.summary["ci_method"].astype(str) == "bootstrap"]
        return sorted(set(rows["metric"].astype(str)))


def one_line(text: str) -> str:
    """An error's text on one line, for a one-line failure message."""
    return " ".join(str(text).split())


def _read_csv(path: Path, needs: Sequence[str]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, keep_default_na=True)
    except pd.errors.EmptyDataError:
        raise ReportError(f"{path}: empty file") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        raise ReportError(f"{path}: cannot read as CSV: {one_line(exc) or type(exc).__name__}") from None
    missing = [c for c in needs if c not in frame.columns]
    if missing:
        raise ReportError(f"{path}: missing column(s) {', '.join(missing)}; is this an incsim run's output?")
    return frame


def read_json(path: Path, what: str) -> dict:
    """The JSON object in ``path`` (``what`` names it in the one-line error)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path}: cannot read: {one_line(exc)}") from None
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise ReportError(f"{path}: expected a JSON object ({what})")
    return data


def event_files(events_dir: Path) -> dict[int, Path]:
    """``replication -> events/replication-NNN.jsonl`` for the logged replications."""
    if not events_dir.is_dir():
        return {}
    out = {}
    for p in events_dir.iterdir():
        m = _EVENT_FILE.match(p.name)
        if m and p.is_file():
            out[int(m.group(1))] = p
    return dict(sorted(out.items()))


def load_results(path: Path | str) -> Results:
    """Read and check an ``incsim run`` results folder; a ``ReportError`` says what is wrong."""
    path = Path(path)
    if not path.exists():
        raise ReportError(f"{path}: no such results folder")
    if not path.is_dir():
        raise ReportError(f"{path}: not a folder; give the folder `incsim run -o DIR` wrote")
    missing = [n for n in REQUIRED_FILES if not (path / n).is_file()]
    if len(missing) == len(REQUIRED_FILES):
        raise ReportError(f"{path}: not an incsim results folder (no {', '.join(REQUIRED_FILES)})")
    if missing:
        raise ReportError(f"{path}: incomplete results folder, missing {', '.join(missing)}")
    try:  # every file whole and of this run before any of it is read
        check_seal(path, "run.json")
    except OutputError as exc:
        raise ReportError(str(exc)) from None
    run = read_json(path / "run.json", "the run manifest")
    absent = [k for k in RUN_NEEDS if k not in run]
    if absent:
        raise ReportError(
            f"{path / 'run.json'}: missing {', '.join(absent)}; is this an incsim run's run.json?"
        )
    if not isinstance(run["protocols"], list) or not run["protocols"]:
        raise ReportError(f"{path / 'run.json'}: 'protocols' must be a non-empty list")
    try:
        replications, horizon = int(run["replications"]), float(run["horizon_days"])
    except (TypeError, ValueError):
        raise ReportError(f"{path / 'run.json'}: 'replications' and 'horizon_days' must be numbers") from None
    if replications < 1 or not horizon > 0:
        raise ReportError(f"{path / 'run.json'}: needs replications >= 1 and horizon_days > 0")
    incidents = _read_csv(path / "incidents.csv", INCIDENT_NEEDS)
    summary = _read_csv(path / "summary.csv", SUMMARY_NEEDS)
    incidents["protocol"] = incidents["protocol"].astype(str)
    incidents["category"] = incidents["category"].astype(str)
    summary["protocol"] = summary["protocol"].astype(str)
    summary["category"] = summary["category"].astype(str)
    for col in ("ttr_min", "engineer_hours", "non_essential_hours", "cost_usd"):
        incidents[col] = pd.to_numeric(incidents[col], errors="coerce")
    protocols = [str(p) for p in run["protocols"]]
    unknown = sorted(set(protocols) - set(incidents["protocol"]))
    if unknown and len(incidents):
        raise ReportError(
            f"{path / 'incidents.csv'}: no rows for protocol(s) {', '.join(unknown)} named in run.json"
        )
    try:
        text = (path / "scenario.yaml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path / 'scenario.yaml'}: cannot read: {one_line(exc)}") from None
    try:
        # the folder's copy of the input, as it was run: read as is, without asking for an edit
        scenario = load_scenario_text(text, str(path / "scenario.yaml"), warn=False)
    except ScenarioError as exc:
        raise ReportError(one_line(str(exc).splitlines()[0] if str(exc) else "invalid scenario")) from None
    time = None
    if (path / "time.csv").is_file():
        time = _read_csv(path / "time.csv", ("replication", "protocol"))
    pilot = None
    if (path / "pilot.json").is_file():
        try:  # sealed with its own sha256, like run.json: an edited or cut file is refused
            pilot = read_sealed_json(path / "pilot.json", "incsim pilot -o output")
        except OutputError as exc:
            raise ReportError(str(exc)) from None
        if "power_by_month" not in pilot:
            raise ReportError(
                f"{path / 'pilot.json'}: no 'power_by_month'; write it with `incsim pilot ... -o DIR`"
            )
    return Results(
        path=path,
        run=run,
        incidents=incidents,
        summary=summary,
        scenario_text=text,
        scenario=scenario,
        time=time,
        pilot=pilot,
        event_files={
            r: p
            for r, p in event_files(path / "events").items()
            if r in set(run.get("event_log_replications", []))
        },
    )


def read_protocol_events(path: Path) -> dict[str, list[Event]]:
    """Per protocol, every event of an ``events/replication-NNN.jsonl`` file, as its typed record
    (``model.events``); a line that is not one is a ``ReportError`` naming it."""
    out: dict[str, list[Event]] = defaultdict(list)
    try:
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    ev = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ReportError(f"{path}:{n}: not valid JSON ({exc.msg})") from None
                if not isinstance(ev, dict):
                    raise ReportError(f"{path}:{n}: expected a JSON object (an event)")
                try:
                    typed = event_from_dict(ev)
                except (ValueError, TypeError) as exc:
                    raise ReportError(f"{path}:{n}: not an event record ({one_line(exc)})") from None
                out[str(ev.get("protocol"))].append(typed)
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path}: cannot read: {one_line(exc)}") from None
    return dict(out)
