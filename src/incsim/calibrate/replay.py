"""Replay real incidents under each protocol of a scenario.

What the export pins down is kept: each incident's start time and its real duration, charged as
the work the debugger faces (``diagnosis``; no separate fix). What it does not pin down is drawn,
afresh in every replication, from the scenario: the service that failed (the export's service
when the scenario has one of that name, else by the scenario's failure weights), the category
(the export's when it names a scenario category, else from the mix), flags, consults, decisions
and cascades, and everything about the people (who is on call, asleep, how fast they reply).
Every protocol of one replication meets the same incidents (common random numbers), so the
paired differences answer "last quarter under async-first would have cost ... ".

Only resolved incidents are replayed (an open one has no duration yet); they are counted.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import timedelta

import numpy as np
import pandas as pd

from incsim.calibrate.records import MIN_SAMPLE, WARN_SAMPLE, Export, ExportError

DEFAULT_DAYS = 91  # a quarter


@dataclass(frozen=True)
class Window:
    """The replayed stretch of history."""

    start: object
    days: float
    incidents: list
    skipped_open: int


def window(export: Export, days: float = DEFAULT_DAYS) -> Window:
    """The last ``days`` days of the export (ending at its end of observation)."""
    end = export.end or export.incidents[-1].start
    start = end - timedelta(days=days)
    chosen = [i for i in export.incidents if i.start >= start]
    resolved = [i for i in chosen if not i.censored]
    if len(resolved) < MIN_SAMPLE:
        raise ExportError(
            f"{export.source}: {len(resolved)} resolved incident(s) in the last {days:g} days; "
            f"a replay needs at least {MIN_SAMPLE}"
        )
    return Window(start, days, resolved, len(chosen) - len(resolved))


def replay_incidents(scn, win: Window, streams) -> list:
    """The window's incidents as the model's ``IncidentSpec``s for one replication."""
    from incsim.model.incidents import draw_category_and_flags, draw_incident

    rng = streams.get("arrivals")  # replay does not draw arrival times: the history gives them
    names = [s.name for s in scn.org.services]
    weights = np.array([s.failure_weight for s in scn.org.services], dtype=float)
    weights /= weights.sum()
    specs = []
    for i, inc in enumerate(win.incidents):
        cat, flags = draw_category_and_flags(scn, rng)
        drawn_root = names[int(rng.choice(len(names), p=weights))]
        if inc.category in scn.incidents.categories:
            cat = inc.category
        root = inc.service if inc.service in names else drawn_root
        at = (inc.start - win.start).total_seconds() / 60.0
        spec = draw_incident(i, at, cat, flags, root, scn, streams)
        minutes = (inc.resolved - inc.start).total_seconds() / 60.0
        specs.append(replace(spec, diagnosis=minutes, fix=0.0))
    return specs


def _replication(scn, win: Window, r: int, seed: int, keep_log: bool):
    """Replication ``r`` of the window: its incidents, then the run's own path (``replicate``)."""
    from incsim.experiment import replicate
    from incsim.model.streams import Streams

    specs = replay_incidents(scn, win, Streams(seed, r))
    return replicate(scn, r, seed, specs, win.days * 1440.0, keep_log)


def check_size(scn, win: Window, replications: int) -> str:
    """Refuse a window over the scenario's ``simulation.max_incidents`` (as ``run`` refuses a
    scenario); else the size of the work in words, for an estimate before it starts."""
    limit = scn.simulation.max_incidents
    n = len(win.incidents)
    if n > limit:
        raise ExportError(
            f"{n:,} incidents in the last {win.days:g} days, over simulation.max_incidents = "
            f"{limit:,}; replay fewer --days or set simulation.max_incidents higher"
        )
    runs = n * replications * len(scn.protocols)
    return (
        f"replaying {n:,} incidents x {replications} replications x {len(scn.protocols)} protocols "
        f"({runs:,} incident runs)"
    )


def replay(
    scn,
    export: Export,
    *,
    days: float = DEFAULT_DAYS,
    replications: int = 20,
    seed: int = 1,
    log_sample: int = 2,
    progress=None,
    executor=None,
):
    """Replay the export's last ``days`` days under every protocol; an ``ExperimentResult`` and the window.

    ``progress(1)`` is called as each replication finishes; ``executor`` (a process pool) runs
    them in parallel with the same results."""
    from incsim.experiment import ExperimentResult, incident_frame

    win = window(export, days)
    check_size(scn, win, replications)
    if executor is None:
        results = []
        for r in range(replications):
            results.append(_replication(scn, win, r, seed, r < log_sample))
            if progress:
                progress(1)
    else:
        futures = [
            executor.submit(_replication, scn, win, r, seed, r < log_sample) for r in range(replications)
        ]
        results = []
        for fut in futures:
            results.append(fut.result())
            if progress:
                progress(1)
    sim = scn.simulation.model_copy(update={"horizon_days": float(days), "replications": replications})
    scn = scn.model_copy(update={"simulation": sim})
    incidents = incident_frame(results)
    time = pd.DataFrame([row for res in results for row in res.time])
    logs = {res.replication: res.logs for res in results if res.logs}
    return ExperimentResult(scn, seed, replications, incidents, time, logs), win


def replay_scenario_text(text: str, win: Window, export: Export) -> str:
    """The scenario's text with the replayed window's horizon and observed rate, for the results folder."""
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 110
    doc = yaml.load(text)
    if "simulation" not in doc:
        from ruamel.yaml.comments import CommentedMap

        doc["simulation"] = CommentedMap()
    doc["simulation"]["horizon_days"] = float(win.days)
    doc["simulation"].yaml_add_eol_comment(
        f"replayed: the last {win.days:g} days of {export.source}", "horizon_days"
    )
    if doc["incidents"].get("arrivals") is not None:
        rate = len(win.incidents) / (win.days / 7.0)
        doc["incidents"]["arrivals"]["rate_per_week"] = round(rate, 3)
    buf = io.StringIO()
    yaml.dump(doc, buf)
    return buf.getvalue()


def headline(summary: pd.DataFrame, baseline: str, other: str, n_incidents: int, days: float) -> str:
    """ "Over the last N days under OTHER ..." with 95% CIs, from the paired differences."""
    from incsim.metrics import ROW_TYPE

    def diff(metric: str):
        row = summary[
            (summary[ROW_TYPE] == "difference")
            & (summary["category"] == "all")
            & (summary["protocol"] == f"{other} - {baseline}")
            & (summary["metric"] == metric)
        ]
        return None if row.empty else row.iloc[0]

    eh, ttr = diff("engineer_hours"), diff("ttr_min")
    if eh is None or ttr is None:
        return f"no comparison of {other} with {baseline}"
    total = [n_incidents * eh[k] for k in ("mean", "ci_low", "ci_high")]
    less = "less" if total[0] < 0 else "more"
    slower = "slower" if ttr["mean"] > 0 else "faster"
    return (
        f"Over the last {days:g} days ({n_incidents} incidents), {other} instead of {baseline} would have cost "
        f"{abs(total[0]):.0f} engineer-hours {less} [95% CI {total[1]:+.0f} to {total[2]:+.0f}] and resolved "
        f"incidents {abs(ttr['mean']):.0f} min {slower} on average "
        f"[95% CI {ttr['ci_low']:+.0f} to {ttr['ci_high']:+.0f}]."
    )


def warnings_for(win: Window) -> list[str]:
    """Warnings about a thin window."""
    out = []
    if len(win.incidents) < WARN_SAMPLE:
        out.append(
            f"only {len(win.incidents)} incidents replayed: intervals cover the model's randomness, "
            f"not how typical this stretch of history was (fewer than {WARN_SAMPLE})"
        )
    if win.skipped_open:
        out.append(f"{win.skipped_open} open incident(s) in the window not replayed (no duration yet)")
    return out
