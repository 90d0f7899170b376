"""Writing a run's results to a folder: atomically, never silently over earlier results.

The folder machinery (atomic files, staging, sealed manifests, verification) lives in
``incsim.files``, which every command that writes a folder shares; its names are re-exported here.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from incsim import signals
from incsim.files import (  # noqa: F401  (re-exported: the names callers have always used)
    MANIFEST,
    MANIFEST_NAMES,
    PACKAGES,
    SEAL_KEY,
    STAGING_PREFIX,
    UMASK,
    OutputError,
    _read_umask,
    atomic_write,
    check_dir,
    check_seal,
    file_entry,
    find_manifest,
    manifest_text,
    package_versions,
    prepare_dir,
    publish,
    read_sealed_json,
    sealed_json,
    sha256_bytes,
    verify_manifest,
    write_folder,
    write_manifest,
)
from incsim.model.events import Event, record

if TYPE_CHECKING:
    from incsim.experiment import ExperimentResult
    from incsim.scenario.loaded import LoadedScenario

FLOAT_FORMAT = "%.4f"


def csv_text(df: pd.DataFrame) -> str:
    """A DataFrame as CSV with fixed float formatting, so equal results give equal bytes."""
    return df.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n")


def events_jsonl(logs: dict[str, list[Event]], replication: int) -> str:
    """One replication's event logs (every protocol) as JSON lines, each with its schema
    version (``events.record``)."""
    lines = []
    for proto, events in logs.items():
        for ev in events:
            lines.append(
                json.dumps(record(ev, replication=replication, protocol=proto), sort_keys=False, default=str)
            )
    return "\n".join(lines) + ("\n" if lines else "")


def run_manifest(
    result: ExperimentResult,
    scenario_text: str,
    scenario_source: str,
    command: list[str] | None,
    wall_time_s: float | None,
) -> dict:
    """The ``run.json`` record: what ran, with which inputs and versions (``wall_time_s`` None:
    not recorded, as for a sweep's point, whose replications ran among other points')."""
    from incsim.scenario.loader import scenario_sha256

    scn = result.scenario
    return {
        "scenario": scn.metadata.name,
        "scenario_source": scenario_source,
        "scenario_sha256": scenario_sha256(scenario_text),
        "seed": result.seed,
        "replications": result.replications,
        "protocols": result.protocols,
        "horizon_days": scn.simulation.horizon_days,
        "incidents_simulated": len(result.incidents),
        "event_log_replications": sorted(result.logs),
        "command": command if command is not None else sys.argv,
        **({"wall_time_s": round(wall_time_s, 3)} if wall_time_s is not None else {}),
        "versions": package_versions(),
    }


def write_results(
    result: ExperimentResult,
    out: Path,
    *,
    scenario_text: str,
    scenario_source: str,
    command: list[str] | None = None,
    wall_time_s: float | None = 0.0,
    force: bool = False,
    summary: pd.DataFrame | None = None,
    extra: dict | None = None,
    extra_files: Sequence[tuple[str, bytes]] = (),
) -> list[Path]:
    """Write incidents.csv, summary.csv, time.csv, scenario.yaml (the input as given), events/,
    ``extra_files`` (path relative to ``out``, bytes: a run's ``tornado.json``) and run.json (last,
    listing every other file with its size and sha256) into ``out``.

    On any failure (a full disk, a file-size limit, a stop signal) a folder this call created is
    removed again, and a folder that existed keeps its earlier content."""
    created = not out.exists()
    prepare_dir(out, force)
    try:
        return _write_results(
            result, out, scenario_text, scenario_source, command, wall_time_s, summary, extra, extra_files
        )
    except BaseException as exc:
        if created and getattr(exc, "published", None) is None:
            shutil.rmtree(out, ignore_errors=True)
        raise


def _write_results(
    result: ExperimentResult,
    out: Path,
    scenario_text: str,
    scenario_source: str,
    command: list[str] | None,
    wall_time_s: float | None,
    summary: pd.DataFrame | None,
    extra: dict | None,
    extra_files: Sequence[tuple[str, bytes]] = (),
) -> list[Path]:
    summary = result.summary() if summary is None else summary
    files: list[tuple[Path, bytes]] = [
        (out / "incidents.csv", csv_text(result.incidents).encode("utf-8")),
        (out / "summary.csv", csv_text(summary).encode("utf-8")),
        (out / "time.csv", csv_text(result.time).encode("utf-8")),
        (out / "scenario.yaml", scenario_text.encode("utf-8")),
    ]
    for rep, logs in sorted(result.logs.items()):
        files.append(
            (out / "events" / f"replication-{rep:03d}.jsonl", events_jsonl(logs, rep).encode("utf-8"))
        )
    files += [(out / rel, data) for rel, data in extra_files]
    manifest = run_manifest(result, scenario_text, scenario_source, command, wall_time_s)
    manifest.update(extra or {})
    entries = [file_entry(p.relative_to(out).as_posix(), data) for p, data in files]
    files.append((out / "run.json", manifest_text(manifest, entries).encode("utf-8")))
    try:
        # event logs of an earlier run that this run did not produce go too: never a mix of two runs
        publish(
            out,
            [(p.relative_to(out).as_posix(), data) for p, data in files],
            stale=("events/replication-*.jsonl", "tornado.json"),
            hold=signals.deferred,
        )
    except OSError as exc:
        raise OutputError(
            f"{out}: cannot write results: {exc.strerror or exc} "
            f"({getattr(exc, 'filename', '') or out}); nothing was changed"
        ) from None
    return [path for path, _ in files]


def default_out_dir(root: Path = Path("results")) -> Path:
    """A new timestamped folder under ``root`` (suffixed if that second is taken)."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%M%SZ")
    out = root / stamp
    n = 1
    while out.exists():
        n += 1
        out = root / f"{stamp}-{n}"
    return out


def write_run(
    loaded: LoadedScenario,
    result: ExperimentResult,
    out: Path,
    *,
    command: list[str] | None = None,
    wall_time_s: float | None = 0.0,
    force: bool = False,
    summary: pd.DataFrame | None = None,
    extra: dict | None = None,
    extra_files: Sequence[tuple[str, bytes]] = (),
) -> list[Path]:
    """Write a run's folder (CSVs, ``scenario.yaml``, event logs, ``run.json``): the one writer of
    ``incsim run`` and of every point of a sweep. Returns the files written, ``run.json`` last."""
    return write_results(
        result,
        out,
        scenario_text=loaded.text,
        scenario_source=loaded.source,
        command=command,
        wall_time_s=wall_time_s,
        force=force,
        summary=summary,
        extra=extra,
        extra_files=extra_files,
    )
