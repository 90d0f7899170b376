"""Running a robustness study into a folder: every parameter set's replications (resuming the
finished ones from checkpoints), then ``robustness.json`` and the manifest that seals the folder.

The folder holds ``robustness.json`` (what the study says), ``checkpoints/chunk-NNN.json`` (the
replication means of up to ``CHUNK`` parameter sets each, sealed) and ``manifest.json`` (written
first as unfinished, last listing every file with its sha256: ``output.write_manifest``). Running
the same study into the same folder resumes: finished chunks are read back, not recomputed, and
the files come out byte-identical to an uninterrupted run. Every set runs with the study's seed,
so it meets the same incidents as every other set (common random numbers); nothing depends on
which executor ran what.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Callable
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from incsim.experiment import draw_seed, incident_frame, ordered_protocols, run_replication
from incsim.metrics import per_replication_means
from incsim.output import (
    PACKAGES,
    OutputError,
    atomic_write,
    package_versions,
    read_sealed_json,
    sealed_json,
    sha256_bytes,
    write_manifest,
)
from incsim.robustness.analysis import DECISION_METRICS, Means, comparisons, flip_points, sensitivity
from incsim.robustness.design import METHODS, Design, DesignError, build_design, set_scenario
from incsim.scenario.loaded import LoadedScenario
from incsim.scenario.loader import scenario_sha256
from incsim.scenario.overrides import scenario_data
from incsim.scenario.schema import Scenario

CHUNK = 32
"""Parameter sets per checkpoint file."""

CHECKPOINTS = "checkpoints"
MANIFEST = "manifest.json"
RESULT = "robustness.json"
KIND = "incsim-robustness"

SENSITIVITY_WORDS = {
    "pce": "a sparse polynomial-chaos surrogate fitted on a scrambled Sobol' design, Sudret 2008",
    "saltelli": "SALib, Saltelli 2010 design",
}


class StudyInterrupted(Exception):
    """The study was stopped; finished chunks are kept and the same command resumes."""

    def __init__(self, done: int, total: int, out_dir: Path, cause: BaseException) -> None:
        self.done, self.total, self.out_dir, self.cause = done, total, out_dir, cause
        super().__init__(
            f"{done} of {total} parameter sets finished and kept in {out_dir}; "
            f"run the same command with -o {out_dir} to resume"
        )


@dataclass
class StudyOutcome:
    """What ``run_study`` did and what the study says (``result`` is ``robustness.json``'s content)."""

    result: dict[str, Any]
    out_dir: Path
    seed: int
    seed_was_drawn: bool
    computed: int
    resumed: int
    wall_time_s: float


def set_means(
    scn: Scenario, replications: int, seed: int, protocols: list[str]
) -> dict[str, dict[str, list]]:
    """Protocol -> decision metric -> the mean per incident in each of ``replications`` replications
    (None for a replication without incidents)."""
    results = [run_replication(scn, r, seed, False) for r in range(replications)]
    table = per_replication_means(incident_frame(results))
    out: dict[str, dict[str, list]] = {}
    for p in protocols:
        rows = table[table["protocol"] == p].set_index("replication")
        out[p] = {m: [_value(rows, r, m) for r in range(replications)] for m in DECISION_METRICS}
    return out


def _value(rows: Any, r: int, metric: str) -> float | None:
    if r not in rows.index:
        return None
    v = float(rows.at[r, metric])
    return None if math.isnan(v) else v


def _study_record(
    loaded: LoadedScenario,
    method: str,
    samples: int,
    replications: int,
    seed: int,
    drawn: bool,
    complete: bool,
) -> dict[str, Any]:
    return {
        "kind": KIND,
        "scenario": loaded.scenario.metadata.name,
        "scenario_source": loaded.source,
        "scenario_sha256": scenario_sha256(loaded.text),
        "method": method,
        "samples": samples,
        "replications": replications,
        "seed": seed,
        "seed_was_drawn": drawn,
        "complete": complete,
        "versions": package_versions((*PACKAGES, "SALib")),
    }


def _same_study(old: dict, loaded: LoadedScenario, method: str, samples: int, replications: int) -> bool:
    return (
        old.get("kind") == KIND
        and old.get("scenario_sha256") == scenario_sha256(loaded.text)
        and old.get("method", "saltelli") == method
        and old.get("samples") == samples
        and old.get("replications") == replications
    )


def _prepare(
    out: Path,
    loaded: LoadedScenario,
    method: str,
    samples: int,
    replications: int,
    seed: int | None,
    force: bool,
) -> tuple[int, bool]:
    """Make ``out`` ready; the (seed, drawn) to use: the manifest's when resuming."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder")
    if out.exists() and any(out.iterdir()) and not force:
        if not (out / MANIFEST).is_file():
            raise OutputError(
                f"{out}: folder is not empty and holds no robustness study to resume; "
                "choose another -o or pass --force"
            )
        old = read_sealed_json(out / MANIFEST, "the study's manifest")
        if not _same_study(old, loaded, method, samples, replications) or (
            seed is not None and old.get("seed") != seed
        ):
            raise OutputError(
                f"{out}: holds another study (a different scenario, --method, --samples, -n or --seed); "
                "pass --force to start over or choose another -o"
            )
        return int(old["seed"]), bool(old.get("seed_was_drawn", False))
    out.mkdir(parents=True, exist_ok=True)
    if force:
        for stale in (RESULT, MANIFEST):
            (out / stale).unlink(missing_ok=True)
        if (out / CHECKPOINTS).is_dir():
            shutil.rmtree(out / CHECKPOINTS)
    if seed is not None:
        return seed, False
    if loaded.scenario.simulation.seed is not None:
        return loaded.scenario.simulation.seed, False
    return draw_seed(), True


def _chunk_path(out: Path, k: int) -> Path:
    return out / CHECKPOINTS / f"chunk-{k:03d}.json"


def _read_chunk(path: Path, key: str, ids: list[int]) -> dict[int, Any] | None:
    if not path.exists():
        return None
    rec = read_sealed_json(path, "the study's checkpoint")
    if rec.get("study") != key or [s["id"] for s in rec.get("sets", [])] != ids:
        raise OutputError(
            f"{path}: a checkpoint of another study (a mixed folder); "
            "pass --force to start over or choose another -o"
        )
    return {s["id"]: s["means"] for s in rec["sets"]}


def _write_chunk(path: Path, key: str, sets: dict[int, Any]) -> dict[int, Any]:
    text = sealed_json({"study": key, "sets": [{"id": i, "means": sets[i]} for i in sorted(sets)]})
    atomic_write(path, text, make_parents=True)
    return {s["id"]: s["means"] for s in json.loads(text)["sets"]}  # as a resumed study reads it back


def run_study(
    loaded: LoadedScenario,
    *,
    samples: int,
    replications: int,
    seed: int | None = None,
    out_dir: Path,
    method: str = METHODS[0],
    force: bool = False,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
) -> StudyOutcome:
    """Run (or resume) the study of ``loaded``'s uncertainty section and write its folder.

    ``progress`` is called with the number of parameter sets done. Raises ``DesignError`` for a
    scenario that cannot be studied, ``OutputError`` for a folder that cannot be used and
    ``StudyInterrupted`` when stopped (finished chunks are kept)."""
    t0 = time.perf_counter()
    scn = loaded.scenario
    created = not out_dir.exists()
    if method not in METHODS:
        raise DesignError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    seed, drawn = _prepare(out_dir, loaded, method, samples, replications, seed, force)
    try:
        design = build_design(scn, samples, seed, method)
        data = scenario_data(scn)
        scenarios = {
            s.id: set_scenario(scn, s, data) for s in design.sets
        }  # every set checked before any runs
    except DesignError:
        if created:
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    protocols = ordered_protocols(scn)
    atomic_write(
        out_dir / MANIFEST,
        sealed_json(_study_record(loaded, method, samples, replications, seed, drawn, False)),
    )
    key = sha256_bytes(f"{scenario_sha256(loaded.text)}/{method}/{samples}/{replications}/{seed}".encode())
    chunks = [[s.id for s in design.sets[k : k + CHUNK]] for k in range(0, len(design.sets), CHUNK)]
    means: Means = {}
    resumed = 0
    for k, ids in enumerate(chunks):
        got = _read_chunk(_chunk_path(out_dir, k), key, ids)
        if got is not None:
            means.update(got)
            resumed += len(ids)
    if progress and resumed:
        progress(resumed)
    todo = [i for ids in chunks for i in ids if i not in means]
    pending: dict[int, dict[int, Any]] = {}
    chunk_of = {i: k for k, ids in enumerate(chunks) for i in ids}

    def finished(sid: int, value: Any) -> None:
        k = chunk_of[sid]
        pending.setdefault(k, {})[sid] = value
        if len(pending[k]) == len(chunks[k]):
            means.update(_write_chunk(_chunk_path(out_dir, k), key, pending.pop(k)))
        if progress:
            progress(1)

    try:
        if executor is None:
            for sid in todo:
                finished(sid, set_means(scenarios[sid], replications, seed, protocols))
        else:
            futures = {
                executor.submit(set_means, scenarios[sid], replications, seed, protocols): sid for sid in todo
            }
            for fut in as_completed(futures):
                finished(futures[fut], fut.result())
    except KeyboardInterrupt as exc:
        raise StudyInterrupted(len(means), len(design.sets), out_dir, exc) from None

    result = study_result(loaded, design, means, protocols, samples, replications, seed)
    atomic_write(out_dir / RESULT, json.dumps(result, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    files = [Path(RESULT), *(_chunk_path(out_dir, k).relative_to(out_dir) for k in range(len(chunks)))]
    write_manifest(
        out_dir, files, MANIFEST, _study_record(loaded, method, samples, replications, seed, drawn, True)
    )
    return StudyOutcome(result, out_dir, seed, drawn, len(todo), resumed, time.perf_counter() - t0)


def parameter_records(design: Design) -> list[dict[str, Any]]:
    """The study's parameters as ``robustness.json`` lists them."""
    return [
        {
            "path": p.path,
            "low": p.spec.low,
            "high": p.spec.high,
            "dist": p.spec.dist,
            "base": p.base,
            "source": p.spec.source,
        }
        for p in design.parameters
    ]


def study_result(
    loaded: LoadedScenario,
    design: Design,
    means: Means,
    protocols: list[str],
    samples: int,
    replications: int,
    seed: int,
) -> dict[str, Any]:
    """``robustness.json``'s content."""
    return {
        "scenario": loaded.scenario.metadata.name,
        "scenario_sha256": scenario_sha256(loaded.text),
        "seed": seed,
        "method": design.method,
        "samples": samples,
        "replications": replications,
        "parameter_sets": len(design.sets),
        "protocols": protocols,
        "baseline": protocols[0],
        "note": (
            "difference = alternative - baseline, lower is better; mean/low/high: over the plausible "
            "assumptions (2.5th and 97.5th percentiles of 2 x samples independent draws, each the mean of "
            "its replications); noise_low/noise_high: 95% CI from simulation noise alone at the "
            "scenario's own values; sensitivity: Sobol' indices of the difference ("
            + SENSITIVITY_WORDS[design.method]
            + "); flip points: the sweep's break-even rule along each parameter's line (its range's ends "
            "and the scenario's value), the others at the scenario's values"
        ),
        "parameters": parameter_records(design),
        "comparisons": comparisons(design, means, protocols),
        "sensitivity": sensitivity(design, means, protocols),
        "flip_points": flip_points(design, means, protocols),
    }
