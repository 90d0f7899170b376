"""The report's "What would change the answer" section, from a robustness study's folder
(``incsim robustness -o DIR``): the spread of each difference over the plausible assumptions,
the assumptions that drive it and the values at which the verdict flips, in plain words."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from incsim.files import OutputError, check_seal
from incsim.report.results import ReportError, Results
from incsim.robustness.words import METRIC_WORDS, drivers, flip_sentence, flips, verdict_line

if TYPE_CHECKING:
    from incsim.sweep.tornado import TornadoBar

TORNADO_METRICS = ("engineer_hours", "ttr_min")
"""The headline's differences, drawn as tornado charts."""

TORNADO_BARS = 10
"""Bars per chart: the widest swings (every parameter's are in robustness.json)."""


@dataclass
class Changes:
    """What a robustness study says about the run's comparisons against its baseline."""

    source: Path
    samples: int
    replications: int
    parameters: int
    method: str = "pce"
    """The study's sensitivity method; ``ends`` when only a run's one-at-a-time ends are known."""
    lines: list[dict] = field(default_factory=list)
    """Per alternative and metric: ``verdict`` (spread beside noise), ``drivers`` and ``flips`` in words."""
    tornado: dict[str, dict[str, list[TornadoBar]]] = field(default_factory=dict)
    """metric -> alternative -> bars (the difference at each range's low and high end)."""
    at_scenario: dict[str, dict[str, float]] = field(default_factory=dict)
    """metric -> alternative -> the difference at the scenario's own values."""


def find_study(results: Results, robustness_dir: Path | None) -> Path | None:
    """The robustness folder to read: ``robustness_dir``, else the results folder when it holds one."""
    if robustness_dir is not None:
        return Path(robustness_dir)
    return results.path if (results.path / "robustness.json").is_file() else None


def load_changes(folder: Path, results: Results) -> Changes:
    """The section's content from a robustness folder; ``ReportError`` when the folder is damaged
    or studies another scenario than the run's."""
    if not (folder / "robustness.json").is_file():
        raise ReportError(f"{folder}: no robustness.json (write one with incsim robustness -o {folder})")
    try:
        check_seal(folder, "manifest.json")
    except OutputError as exc:
        raise ReportError(str(exc)) from None
    try:
        study = json.loads((folder / "robustness.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReportError(f"{folder / 'robustness.json'}: unreadable ({exc})") from None
    if not isinstance(study, dict):
        raise ReportError(f"{folder / 'robustness.json'}: not a robustness study (not a JSON object)")
    if study.get("scenario_sha256") != results.run.get("scenario_sha256"):
        raise ReportError(
            f"{folder}: a robustness study of another scenario than the run's "
            f"({study.get('scenario')!r}, sha256 {str(study.get('scenario_sha256'))[:12]}…)"
        )
    try:
        return _changes(folder, study, results.baseline)
    except (KeyError, TypeError, ValueError, StopIteration) as exc:
        raise ReportError(
            f"{folder / 'robustness.json'}: malformed or written by an older incsim "
            f"({type(exc).__name__}: {exc}); run incsim robustness with -o {folder} again"
        ) from None


def load_run_tornado(results: Results) -> Changes | None:
    """The tornado charts of a run's own ``tornado.json`` (``incsim run`` writes it; its manifest
    vouches for it), or None when the run has none; ``ReportError`` when it is malformed."""
    path = results.path / "tornado.json"
    if not path.is_file():
        return None
    try:
        ends = json.loads(path.read_text(encoding="utf-8"))
        out = Changes(path, 0, int(ends["replications"]), len(ends["parameters"]), method="ends")
        for c in ends["at_scenario"]:
            if c["baseline"] == results.baseline and c["metric"] in TORNADO_METRICS:
                out.at_scenario.setdefault(c["metric"], {})[c["alternative"]] = _float(c["value"])
        out.tornado = _tornado(ends, results.baseline)
    except (OSError, ValueError, KeyError, TypeError, StopIteration) as exc:
        raise ReportError(f"{path}: malformed ({type(exc).__name__}: {exc}); run incsim run again") from None
    return out


def _tornado(study: dict, base: str) -> dict[str, dict[str, list[TornadoBar]]]:
    """metric -> alternative -> the widest bars, from the ends of each parameter's line."""
    # the sweep package loads the simulator: imported only when a study is read, so that the
    # report (a reader of folders) does not load it otherwise
    from incsim.sweep.tornado import TornadoBar, tornado

    bars: dict[str, dict[str, list[TornadoBar]]] = {}
    for f in study["flip_points"]:
        if f["baseline"] == base and f["metric"] in TORNADO_METRICS:
            p = next(p for p in study["parameters"] if p["path"] == f["parameter"])
            bars.setdefault(f["metric"], {}).setdefault(f["alternative"], []).append(
                TornadoBar(
                    f["parameter"],
                    f"{p['low']:g}",
                    f"{p['high']:g}",
                    _float(f["diff_at_low"]),
                    _float(f["diff_at_high"]),
                )
            )
    return {m: {a: tornado(b)[:TORNADO_BARS] for a, b in per.items()} for m, per in bars.items()}


def _changes(folder: Path, study: dict, base: str) -> Changes:
    out = Changes(
        folder,
        int(study["samples"]),
        int(study["replications"]),
        len(study["parameters"]),
        method=str(study.get("method", "saltelli")),
    )
    for c in study["comparisons"]:
        if c["baseline"] != base:
            continue
        key = (c["baseline"], c["alternative"], c["metric"])
        out.lines.append(
            {
                "alternative": c["alternative"],
                "metric": METRIC_WORDS.get(c["metric"], c["metric"]),
                "verdict": verdict_line(c),
                "drivers": [
                    f"{d['parameter']} (total Sobol' index {d['total']:.2f}: its share of the spread, "
                    f"interactions included)"
                    for d in drivers(study, *key)
                ],
                "flips": [flip_sentence(f) for f in flips(study, *key)],
            }
        )
        if c["metric"] in TORNADO_METRICS:
            out.at_scenario.setdefault(c["metric"], {})[c["alternative"]] = _float(c["at_scenario"])
    out.tornado = _tornado(study, base)
    return out


def _float(x: float | None) -> float:
    return math.nan if x is None else float(x)
