"""Writing a run's results to a folder: atomically, never silently over earlier results."""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

import pandas as pd

from incsim.experiment import ExperimentResult
from incsim.model.events import Event
from incsim.scenario.loader import scenario_sha256

FLOAT_FORMAT = "%.4f"
PACKAGES = ("incsim", "simpy", "numpy", "pandas", "scipy", "pydantic", "ruamel.yaml", "typer")


class OutputError(Exception):
    """The output folder cannot be used (exists and is not empty, or is not a folder)."""


def atomic_write(path: Path, data: str | bytes, make_parents: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename: all or nothing."""
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8", "newline": ""})) as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def prepare_dir(out: Path, force: bool) -> None:
    """Make sure ``out`` can receive results: new or empty, or ``force`` given."""
    try:
        if out.exists() and not out.is_dir():
            raise OutputError(f"{out}: exists and is not a folder")
        if out.exists() and any(out.iterdir()) and not force:
            raise OutputError(f"{out}: folder is not empty (earlier results?); choose another -o or pass --force")
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot create the output folder: {exc.strerror or exc}") from None


def csv_text(df: pd.DataFrame) -> str:
    """A DataFrame as CSV with fixed float formatting, so equal results give equal bytes."""
    return df.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n")


def events_jsonl(logs: dict[str, list[Event]], replication: int) -> str:
    """One replication's event logs (every protocol) as JSON lines."""
    lines = []
    for proto, events in logs.items():
        for ev in events:
            lines.append(json.dumps({"replication": replication, "protocol": proto, **ev.as_dict()},
                                    sort_keys=False, default=str))
    return "\n".join(lines) + ("\n" if lines else "")


def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str]:
    """Installed versions of the packages results depend on."""
    out = {"python": platform.python_version()}
    for n in names:
        try:
            out[n] = metadata.version(n)
        except metadata.PackageNotFoundError:
            out[n] = "not installed"
    return out


def run_manifest(result: ExperimentResult, scenario_text: str, scenario_source: str,
                 command: list[str] | None, wall_time_s: float) -> dict:
    """The ``run.json`` record: what ran, with which inputs and versions."""
    scn = result.scenario
    return {
        "scenario": scn.metadata.name,
        "scenario_source": scenario_source,
        "scenario_sha256": scenario_sha256(scenario_text),
        "seed": result.seed,
        "replications": result.replications,
        "protocols": result.protocols,
        "horizon_days": scn.simulation.horizon_days,
        "incidents_simulated": int(len(result.incidents)),
        "event_log_replications": sorted(result.logs),
        "command": command if command is not None else sys.argv,
        "wall_time_s": round(wall_time_s, 3),
        "versions": package_versions(),
    }


def write_results(result: ExperimentResult, out: Path, *, scenario_text: str, scenario_source: str,
                  command: list[str] | None = None, wall_time_s: float = 0.0, force: bool = False,
                  summary: pd.DataFrame | None = None, extra: dict | None = None) -> list[Path]:
    """Write incidents.csv, summary.csv, time.csv, scenario.yaml (the input as given), events/
    and run.json (last) into ``out``."""
    prepare_dir(out, force)
    summary = result.summary() if summary is None else summary
    files: list[tuple[Path, str]] = [
        (out / "incidents.csv", csv_text(result.incidents)),
        (out / "summary.csv", csv_text(summary)),
        (out / "time.csv", csv_text(result.time)),
    ]
    files.append((out / "scenario.yaml", scenario_text))
    for rep, logs in sorted(result.logs.items()):
        files.append((out / "events" / f"replication-{rep:03d}.jsonl", events_jsonl(logs, rep)))
    manifest = run_manifest(result, scenario_text, scenario_source, command, wall_time_s)
    manifest.update(extra or {})
    files.append((out / "run.json", json.dumps(manifest, indent=2) + "\n"))
    try:
        _publish(out, files)
    except OSError as exc:
        raise OutputError(f"{out}: cannot write results: {exc.strerror or exc} "
                          f"({getattr(exc, 'filename', '') or out})") from None
    return [path for path, _ in files]


def _publish(out: Path, files: list[tuple[Path, str]]) -> None:
    """Write every file to a staging folder first, then rename each into place (run.json last).

    A failure while writing leaves the earlier results untouched; event logs of an earlier run
    that this run did not produce are removed, so a folder never mixes two runs.
    """
    staging = Path(tempfile.mkdtemp(prefix=".incsim-", dir=out))
    try:
        staged = []
        for path, text in files:
            tmp = staging / path.relative_to(out)
            atomic_write(tmp, text, make_parents=True)
            staged.append((tmp, path))
        for _, path in staged:  # every folder first, so a failure here publishes nothing
            path.parent.mkdir(parents=True, exist_ok=True)
        keep = {path for path, _ in files}
        events = out / "events"
        if events.is_dir():
            for old in events.glob("replication-*.jsonl"):
                if old not in keep:
                    old.unlink()
        for tmp, path in staged:
            os.replace(tmp, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
