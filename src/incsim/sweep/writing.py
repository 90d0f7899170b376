"""Running a whole sweep into a folder: every point (resuming finished ones), then the table,
the break-even statements, the tornado data, the charts and the manifest."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from incsim.experiment import ExperimentResult, ReplicationResult, assemble, executor_workers, run_replication
from incsim.output import (
    PACKAGES,
    OutputError,
    atomic_write,
    check_seal,
    csv_text,
    default_out_dir,
    package_versions,
    read_sealed_json,
    sealed_json,
    write_manifest,
    write_run,
)
from incsim.scenario.loaded import LoadedScenario
from incsim.scenario.loader import scenario_sha256
from incsim.sweep.breakeven import break_evens
from incsim.sweep.checkpoint import canonical, checkpoint_path, point_dir, prepare, read_checkpoint
from incsim.sweep.plan import Point, Sweep
from incsim.sweep.points import PointOrigin, point_loaded, point_record
from incsim.sweep.tornado import TornadoBar, tornado_bars


class SweepInterrupted(Exception):
    """The sweep was interrupted; finished points are kept and a re-run resumes from them."""

    def __init__(self, done: int, total: int, out_dir: Path, cause: BaseException | None = None) -> None:
        self.done, self.total, self.out_dir = done, total, out_dir
        self.cause = cause if cause is not None else KeyboardInterrupt()
        super().__init__(
            f"interrupted: {done} of {total} points finished and kept in {out_dir}; "
            f"run the same command with -o {out_dir} to resume"
        )


@dataclass
class SweepOutcome:
    """What ``run_sweep`` did: the tidy table, statements, where they were written."""

    sweep: Sweep
    table: pd.DataFrame
    break_evens: list[dict[str, Any]]
    tornado: dict[str, dict[str, list[TornadoBar]]]
    """metric -> protocol -> bars."""
    out_dir: Path
    seed: int
    seed_was_drawn: bool
    computed: int
    resumed: int
    wall_time_s: float
    files: list[Path]

    @property
    def sentences(self) -> list[str]:
        """Every break-even statement in words."""
        return [r["sentence"] for r in self.break_evens]


def _none_to_nan(x: float | None) -> float:
    return math.nan if x is None else float(x)


def sweep_manifest(sweep: Sweep, seed: int, drawn: bool, complete: bool) -> dict[str, Any]:
    """``sweep.json``: what was swept, from which files, with which seed and packages."""
    return {
        "kind": "incsim-sweep",
        "name": sweep.name,
        "sweep_file": sweep.file,
        "sweep_sha256": sweep.sha256,
        "scenario": sweep.base.metadata.name,
        "scenario_source": sweep.loaded.source,
        "scenario_sha256": scenario_sha256(sweep.loaded.text),
        "seed": seed,
        "seed_was_drawn": drawn,
        "replications": sweep.replications,
        "mode": sweep.mode,
        "metric": sweep.metric,
        "base_overrides": sweep.spec.base_overrides,
        "protocols": sweep.protocols,
        "baseline": sweep.baseline,
        "parameters": [
            {"path": p.path, "values": list(p.labels), "unit": p.unit, "base": p.base_label}
            for p in sweep.parameters
        ],
        "points": [{"id": p.id, "varied": p.varied, "overrides": p.overrides} for p in sweep.points],
        "complete": complete,
        "versions": package_versions((*PACKAGES, "matplotlib")),
    }


def sweep_table(sweep: Sweep, records: dict[int, dict]) -> pd.DataFrame:
    """The tidy table: a row per point x protocol x metric, with the parameters' values and the
    paired difference from the baseline."""
    rows = []
    base_labels = {p.path: p.base_label for p in sweep.parameters}
    for point in sweep.points:
        rec = records[point.id]
        values = dict(base_labels)
        for path, j in point.setting.items():
            values[path] = sweep.parameter(path).labels[j]
        diffs = {(d["protocol"], d["metric"]): d for d in rec["diffs"]}
        for s in rec["stats"]:
            d = diffs.get((s["protocol"], s["metric"]))
            rows.append(
                {
                    "point": point.id,
                    "varied": point.varied,
                    **values,
                    "protocol": s["protocol"],
                    "metric": s["metric"],
                    "mean": _none_to_nan(s["mean"]),
                    "ci_low": _none_to_nan(s["ci_low"]),
                    "ci_high": _none_to_nan(s["ci_high"]),
                    "n_replications": s["n_replications"],
                    "baseline": sweep.baseline,
                    "diff_mean": _none_to_nan(d["mean"]) if d else math.nan,
                    "diff_ci_low": _none_to_nan(d["ci_low"]) if d else math.nan,
                    "diff_ci_high": _none_to_nan(d["ci_high"]) if d else math.nan,
                }
            )
    cols = [
        "point",
        "varied",
        *base_labels,
        "protocol",
        "metric",
        "mean",
        "ci_low",
        "ci_high",
        "n_replications",
        "baseline",
        "diff_mean",
        "diff_ci_low",
        "diff_ci_high",
    ]
    return pd.DataFrame(rows, columns=cols)


def _tornado_csv(bars: dict[str, dict[str, list[TornadoBar]]], baseline: str) -> str:
    rows = [
        {
            "metric": m,
            "protocol": p,
            "baseline": baseline,
            "rank": k + 1,
            "parameter": b.parameter,
            "low_value": b.low_label,
            "high_value": b.high_label,
            "diff_at_low": b.diff_at_low,
            "diff_at_high": b.diff_at_high,
            "swing": b.swing,
        }
        for m, per in bars.items()
        for p, bs in per.items()
        for k, b in enumerate(bs)
    ]
    cols = [
        "metric",
        "protocol",
        "baseline",
        "rank",
        "parameter",
        "low_value",
        "high_value",
        "diff_at_low",
        "diff_at_high",
        "swing",
    ]
    return csv_text(pd.DataFrame(rows, columns=cols))


def _clean_json(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean_json(v) for v in value]
    return value


def run_sweep(
    sweep: Sweep,
    *,
    out_dir: Path | None = None,
    force: bool = False,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
) -> SweepOutcome:
    """Run every point of ``sweep`` not already finished in ``out_dir`` and write the results.

    Writes (atomically) ``sweep.json`` first and again at the end, ``points/point-NNN.json`` as
    each point finishes, then ``sweep.csv``, ``tornado.csv``, ``breakeven.json`` and the SVG
    charts. A folder holding a sweep of the same sweep file (same sha256) and scenario resumes:
    its finished points are not run again; a different sweep is refused (``OutputError``), as is a
    non-empty folder that is not a sweep, unless ``force`` (which starts over). ``progress`` is
    called with the number of replications done (finished points count at once). A write that
    fails (a full disk, a file-size limit) is an ``OutputError``: finished checkpoints are kept.
    """
    out = out_dir if out_dir is not None else default_out_dir()
    try:
        return _run_sweep(sweep, out, force, executor, progress)
    except OSError as exc:
        raise OutputError(
            f"{out}: cannot write: {exc.strerror or exc} ({getattr(exc, 'filename', '') or out}); "
            f"finished points are kept and the same command resumes"
        ) from None


def _run_sweep(
    sweep: Sweep, out: Path, force: bool, executor: Executor | None, progress: Callable[[int], None] | None
) -> SweepOutcome:
    from incsim.sweep.charts import (
        write_charts,  # matplotlib is slow to import: only when writing
    )

    seed, drawn = prepare(sweep, out, force)
    t0 = time.perf_counter()
    atomic_write(out / "sweep.json", sealed_json(sweep_manifest(sweep, seed, drawn, complete=False)))
    records: dict[int, dict] = {}
    resumed = 0
    for point in sweep.points:
        rec = read_checkpoint(checkpoint_path(out, point.id), sweep, point, seed)
        if rec is not None and not _folder_whole(out, point.id):
            rec = None  # its results folder was damaged or removed since: the point is computed again
        if rec is not None:
            records[point.id] = rec
            resumed += 1
            if progress:
                progress(sweep.replications)
    computed = 0
    todo = [p for p in sweep.points if p.id not in records]
    try:
        for done in _run_points(sweep, todo, seed, executor, progress):
            records[done.point.id] = _finish_point(sweep, done, seed, out)
            computed += 1
    except KeyboardInterrupt as exc:
        raise SweepInterrupted(len(records), len(sweep.points), out, exc) from None

    table = sweep_table(sweep, records)
    statements = break_evens(sweep, table)
    bars = {m: {p: tornado_bars(sweep, table, p, m) for p in sweep.protocols[1:]} for m in sweep.metrics}
    if sweep.mode == "grid":
        bars = {}
    files = [out / "sweep.csv", out / "breakeven.json"]
    atomic_write(out / "sweep.csv", csv_text(table))
    atomic_write(
        out / "breakeven.json",
        json.dumps(
            _clean_json(
                {
                    "sweep": sweep.name,
                    "metric": sweep.metric,
                    "baseline": sweep.baseline,
                    "note": "difference = protocol - baseline (lower is better); crossings by linear interpolation "
                    "between adjacent values; durations placed by their mean",
                    "statements": statements,
                }
            ),
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
    )
    if bars:
        atomic_write(out / "tornado.csv", _tornado_csv(bars, sweep.baseline))
        files.append(out / "tornado.csv")
    files += write_charts(sweep, table, statements, bars, out, executor)
    point_files = [f for p in sweep.points for f in _point_files(out, p.id)]
    listed = [
        f.relative_to(out) for f in (*files, *point_files)
    ]  # the manifest reads names within the folder
    write_manifest(out, listed, "sweep.json", sweep_manifest(sweep, seed, drawn, complete=True))
    files.append(out / "sweep.json")
    return SweepOutcome(
        sweep, table, statements, bars, out, seed, drawn, computed, resumed, time.perf_counter() - t0, files
    )


def _run_points(
    sweep: Sweep,
    points: list[Point],
    seed: int,
    executor: Executor | None,
    progress: Callable[[int], None] | None,
) -> Iterator[Finished]:
    """Every replication of every point, then each point summarised, as soon as it can be.

    Without an executor everything runs here, point by point. With one, replications of any
    point keep every worker busy (a few more queued than there are workers, so a point's
    summary, itself a task, is not queued behind the whole sweep); a point is summarised by a
    worker as soon as its last replication is in, and handed back to be written here. Replication
    r of a point is the same whoever runs it, so the results do not depend on the executor.
    """
    reps = sweep.replications
    origin = PointOrigin(sweep.name, sweep.file, sweep.loaded.source)
    if executor is None:
        for point in points:
            results: dict[int, ReplicationResult] = {}
            for r in range(reps):
                results[r] = run_replication(point.scenario, r, seed, False)
                if progress:
                    progress(1)
            yield summarise_point(point, seed, results, origin)
        return
    queue = iter([(p, r) for p in points for r in range(reps)])
    window = 2 * executor_workers(executor)
    running: dict[Future, tuple[Point, int | None]] = {}  # replication r of a point, or its summary (None)
    got: dict[int, dict[int, ReplicationResult]] = {p.id: {} for p in points}

    def top_up() -> None:
        while sum(r is not None for _, r in running.values()) < window:
            nxt = next(queue, None)
            if nxt is None:
                return
            running[executor.submit(run_replication, nxt[0].scenario, nxt[1], seed, False)] = nxt

    top_up()
    while running:
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for fut in sorted(done, key=lambda f: running[f][0].id):
            point, r = running.pop(fut)
            if r is None:
                yield fut.result()
                continue
            res = fut.result()
            got[point.id][res.replication] = res
            if progress:
                progress(1)
            if len(got[point.id]) == reps:
                running[executor.submit(summarise_point, point, seed, got.pop(point.id), origin)] = (
                    point,
                    None,
                )
        top_up()


@dataclass
class Finished:
    """A point's experiment with its summary and scenario file, ready to be written."""

    point: Point
    result: ExperimentResult
    summary: pd.DataFrame
    loaded: LoadedScenario


def summarise_point(
    point: Point, seed: int, results: dict[int, ReplicationResult], origin: PointOrigin
) -> Finished:
    """A point's replications assembled and summarised as ``incsim run`` does, with its scenario
    file (run by a worker when there is an executor)."""
    result = assemble(point.scenario, seed, results)
    return Finished(point, result, result.summary(), point_loaded(point, seed, len(results), origin))


def _finish_point(sweep: Sweep, done: Finished, seed: int, out: Path) -> dict:
    """Write the point's results folder (with ``incsim run``'s writer), then its checkpoint; the record
    exactly as a resumed run reads it back. The checkpoint comes last: a point without one is
    computed again, its folder overwritten."""
    point = done.point
    write_run(
        done.loaded,
        done.result,
        point_dir(out, point.id),
        command=["incsim", "sweep", sweep.file],
        wall_time_s=None,
        force=True,
        summary=done.summary,
        extra={
            "sweep": {
                "name": sweep.name,
                "sweep_sha256": sweep.sha256,
                "point": point.id,
                "varied": point.varied,
                "overrides": json.loads(canonical(point.overrides)),
            }
        },
    )
    rec = {
        "point": point.id,
        "varied": point.varied,
        "overrides": json.loads(canonical(point.overrides)),
        "sweep_sha256": sweep.sha256,
        "seed": seed,
        "replications": sweep.replications,
        **point_record(done.summary, done.result.protocols),
    }
    text = sealed_json(rec)
    atomic_write(checkpoint_path(out, point.id), text, make_parents=True)
    return json.loads(text)


def _folder_whole(out: Path, pid: int) -> bool:
    """Whether point ``pid``'s results folder holds every file its run.json lists, unchanged."""
    try:
        check_seal(point_dir(out, pid), "run.json")
    except OutputError:
        return False
    return True


def _point_files(out: Path, pid: int) -> list[Path]:
    """A finished point's files: its checkpoint, and its results folder's files as its run.json lists them."""
    folder = point_dir(out, pid)
    run = read_sealed_json(folder / "run.json", "the point's run.json")
    return [checkpoint_path(out, pid), *(folder / e["path"] for e in run["files"]), folder / "run.json"]
