"""Writing a run's results to a folder: atomically, never silently over earlier results."""

from __future__ import annotations

import functools
import hashlib
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

from incsim import signals
from incsim.experiment import ExperimentResult
from incsim.model.events import Event, record
from incsim.scenario.loader import scenario_sha256

FLOAT_FORMAT = "%.4f"
PACKAGES = ("incsim", "simpy", "numpy", "pandas", "scipy", "pydantic", "ruamel.yaml", "typer")


class OutputError(Exception):
    """An output folder that cannot be used or a results file that is damaged; one line naming it."""


STAGING_PREFIX = ".incsim-"
"""Staging folders (``.incsim-*``) hold files while they are written; one left behind by a killed
run is not part of any results and is removed by the next run into that folder."""

MANIFEST_NAMES = ("run.json", "sweep.json", "manifest.json")
"""The files that list a folder's outputs, in the order ``verify_manifest`` looks for them."""

SEAL_KEY = "self_sha256"


def atomic_write(path: Path, data: str | bytes, make_parents: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename: all or nothing."""
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8", "newline": ""})) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())  # the bytes are on disk before the name points at them
        os.chmod(tmp, 0o666 & ~UMASK)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_umask() -> int:
    """The process umask: from ``/proc`` where the kernel shows it, else by setting and restoring it.

    Read once, when this module is imported: setting the umask to learn it changes process-wide
    state, and another thread creating a file meanwhile would get mode 0o666 or 0o777.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0)
    os.umask(mask)
    return mask


UMASK = _read_umask()
"""The umask files are written with (a temporary file from ``mkstemp`` starts at 0o600)."""


def _stale_staging(out: Path) -> list[Path]:
    return [p for p in out.iterdir() if p.is_dir() and p.name.startswith(STAGING_PREFIX)]


def check_dir(out: Path, force: bool) -> None:
    """Refuse an ``out`` that cannot receive results (a file, or a non-empty folder without
    ``force``), without creating anything: a run stopped before it writes leaves no folder."""
    try:
        if out.exists() and not out.is_dir():
            raise OutputError(f"{out}: exists and is not a folder")
        if out.is_dir() and not force:
            stale = set(_stale_staging(out))
            if any(p not in stale for p in out.iterdir()):
                raise OutputError(f"{out}: folder is not empty (earlier results?); choose another -o or pass --force")
        parent = next((p for p in [out, *out.parents] if p.exists()), None)
        if parent is not None and not (parent.is_dir() and os.access(parent, os.W_OK | os.X_OK)):
            raise OutputError(f"{out}: cannot create the output folder: {parent} is not a writable folder")
    except OSError as exc:
        raise OutputError(f"{out}: cannot use the output folder: {exc.strerror or exc}") from None


def prepare_dir(out: Path, force: bool) -> None:
    """Make sure ``out`` can receive results: new or empty, or ``force`` given; create it and
    remove staging folders a killed run left behind."""
    check_dir(out, force)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for stale in _stale_staging(out):
            shutil.rmtree(stale, ignore_errors=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot create the output folder: {exc.strerror or exc}") from None


# -- manifests: every file with its size and sha256 ----------------------------------------------

def sha256_bytes(data: bytes) -> str:
    """The hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def file_entry(rel: str, data: bytes) -> dict:
    """A manifest entry: the path relative to the folder, the size in bytes and the sha256."""
    return {"path": rel, "size": len(data), "sha256": sha256_bytes(data)}


def _canonical(record: dict) -> bytes:
    body = {k: v for k, v in record.items() if k != SEAL_KEY}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")


def sealed_json(record: dict) -> str:
    """``record`` as indented JSON with ``self_sha256``: a hash of its own content, so a damaged
    or edited JSON file is recognised even when it still parses."""
    body = {k: v for k, v in record.items() if k != SEAL_KEY}
    return json.dumps({**body, SEAL_KEY: sha256_bytes(_canonical(body))}, indent=2, default=str) + "\n"


def read_sealed_json(path: Path, what: str = "file") -> dict:
    """The record in a sealed JSON file; ``OutputError`` naming the file if it is damaged."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise OutputError(f"{path}: missing ({what})") from None
    except OSError as exc:
        raise OutputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        record = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise OutputError(f"{path}: damaged ({what} is not valid JSON; cut short or overwritten?)") from None
    if not isinstance(record, dict):
        raise OutputError(f"{path}: damaged ({what} is not a JSON object)")
    if SEAL_KEY not in record:
        raise OutputError(f"{path}: has no {SEAL_KEY}: written by an older incsim or by hand; "
                          "rerun the command that wrote it")
    if record[SEAL_KEY] != sha256_bytes(_canonical(record)):
        raise OutputError(f"{path}: damaged ({what} does not match its {SEAL_KEY})")
    return record


def write_manifest(folder: Path, files: Iterable[Path | str], name: str = "manifest.json",
                   record: dict | None = None) -> Path:
    """Write ``folder/name`` (sealed JSON): ``record`` plus ``files``, each written file with its
    size and sha256, read back from disk. Any command that writes a folder can call it last."""
    folder = Path(folder)
    entries = []
    for f in files:
        p = Path(f)
        p = p if p.is_absolute() else folder / p
        rel = p.relative_to(folder).as_posix()
        entries.append(file_entry(rel, p.read_bytes()))
    path = folder / name
    atomic_write(path, manifest_text(record or {}, entries))
    return path


def manifest_text(record: dict, entries: Iterable[dict]) -> str:
    """A manifest as sealed JSON: ``record`` plus ``files``, its ``file_entry`` rows sorted by path.

    The one shape of ``run.json``, ``sweep.json`` and ``manifest.json``: ``write_manifest`` reads
    the files back from disk, ``incsim run`` passes the bytes it is about to publish."""
    return sealed_json({**record, "files": sorted(entries, key=lambda e: e["path"])})


def find_manifest(folder: Path) -> Path | None:
    """The manifest of ``folder`` (run.json, sweep.json or manifest.json), if it has one."""
    return next((folder / n for n in MANIFEST_NAMES if (folder / n).is_file()), None)


def verify_manifest(folder: Path | str, name: str | None = None) -> dict:
    """Check every file the folder's manifest lists (present, same size, same sha256) and that no
    unlisted file sits in a folder the manifest owns (``events/``, ``points/``: a mixed folder).
    Returns the manifest; raises ``OutputError`` naming the first bad file."""
    folder = Path(folder)
    if not folder.is_dir():
        raise OutputError(f"{folder}: no such folder")
    path = folder / name if name else find_manifest(folder)
    if path is None:
        raise OutputError(f"{folder}: not an incsim output folder (no {' or '.join(MANIFEST_NAMES)})")
    record = read_sealed_json(path, "the manifest")
    entries = record.get("files")
    if not isinstance(entries, list):
        raise OutputError(f"{path}: lists no files (written by an older incsim, or not finished); "
                          "rerun the command that wrote it")
    listed: set[str] = set()
    for e in entries:
        if not (isinstance(e, dict) and isinstance(e.get("path"), str) and isinstance(e.get("size"), int)
                and isinstance(e.get("sha256"), str)) or ".." in Path(e["path"]).parts or Path(e["path"]).is_absolute():
            raise OutputError(f"{path}: damaged (a malformed entry in 'files')")
        listed.add(e["path"])
        f = folder / e["path"]
        try:
            data = f.read_bytes()
        except FileNotFoundError:
            raise OutputError(f"{f}: missing (listed in {path.name})") from None
        except OSError as exc:
            raise OutputError(f"{f}: cannot read: {exc.strerror or exc}") from None
        if len(data) != e["size"]:
            raise OutputError(f"{f}: damaged ({len(data):,} bytes, {path.name} says {e['size']:,}; cut short?)")
        if sha256_bytes(data) != e["sha256"]:
            raise OutputError(f"{f}: damaged or from another run (its sha256 differs from {path.name})")
    owned = {Path(p).parent for p in listed} - {Path(".")}
    for sub in sorted(owned):
        for f in sorted((folder / sub).iterdir()):
            rel = f.relative_to(folder).as_posix()
            if f.is_file() and not f.name.startswith(".") and rel not in listed:
                raise OutputError(f"{f}: not written by this run (a mixed folder; {path.name} does not list it)")
    return record


def csv_text(df: pd.DataFrame) -> str:
    """A DataFrame as CSV with fixed float formatting, so equal results give equal bytes."""
    return df.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n")


def events_jsonl(logs: dict[str, list[Event]], replication: int) -> str:
    """One replication's event logs (every protocol) as JSON lines, each with its schema
    version (``events.record``)."""
    lines = []
    for proto, events in logs.items():
        for ev in events:
            lines.append(json.dumps(record(ev, replication=replication, protocol=proto), sort_keys=False, default=str))
    return "\n".join(lines) + ("\n" if lines else "")


def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str]:
    """Installed versions of the packages results depend on."""
    return {"python": platform.python_version(), **{n: _version(n) for n in names}}


@functools.cache
def _version(name: str) -> str:
    # read once per process: a sweep writes a manifest per point, and each reading parses the
    # package's metadata file (0.4 s of the serial work of a 13-point sweep when read every time)
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def run_manifest(result: ExperimentResult, scenario_text: str, scenario_source: str,
                 command: list[str] | None, wall_time_s: float | None) -> dict:
    """The ``run.json`` record: what ran, with which inputs and versions (``wall_time_s`` None:
    not recorded, as for a sweep's point, whose replications ran among other points')."""
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


def write_results(result: ExperimentResult, out: Path, *, scenario_text: str, scenario_source: str,
                  command: list[str] | None = None, wall_time_s: float | None = 0.0, force: bool = False,
                  summary: pd.DataFrame | None = None, extra: dict | None = None) -> list[Path]:
    """Write incidents.csv, summary.csv, time.csv, scenario.yaml (the input as given), events/
    and run.json (last, listing every other file with its size and sha256) into ``out``.

    On any failure (a full disk, a file-size limit, a stop signal) a folder this call created is
    removed again, and a folder that existed keeps its earlier content."""
    created = not out.exists()
    prepare_dir(out, force)
    try:
        return _write_results(result, out, scenario_text, scenario_source, command, wall_time_s, summary, extra)
    except BaseException as exc:
        if created and getattr(exc, "published", None) is None:
            shutil.rmtree(out, ignore_errors=True)
        raise


def _write_results(result: ExperimentResult, out: Path, scenario_text: str, scenario_source: str,
                   command: list[str] | None, wall_time_s: float | None, summary: pd.DataFrame | None,
                   extra: dict | None) -> list[Path]:
    summary = result.summary() if summary is None else summary
    files: list[tuple[Path, bytes]] = [
        (out / "incidents.csv", csv_text(result.incidents).encode("utf-8")),
        (out / "summary.csv", csv_text(summary).encode("utf-8")),
        (out / "time.csv", csv_text(result.time).encode("utf-8")),
        (out / "scenario.yaml", scenario_text.encode("utf-8")),
    ]
    for rep, logs in sorted(result.logs.items()):
        files.append((out / "events" / f"replication-{rep:03d}.jsonl", events_jsonl(logs, rep).encode("utf-8")))
    manifest = run_manifest(result, scenario_text, scenario_source, command, wall_time_s)
    manifest.update(extra or {})
    entries = [file_entry(p.relative_to(out).as_posix(), data) for p, data in files]
    files.append((out / "run.json", manifest_text(manifest, entries).encode("utf-8")))
    try:
        _publish(out, files)
    except OSError as exc:
        raise OutputError(f"{out}: cannot write results: {exc.strerror or exc} "
                          f"({getattr(exc, 'filename', '') or out}); nothing was changed") from None
    return [path for path, _ in files]


def _publish(out: Path, files: list[tuple[Path, bytes]]) -> None:
    """Write every file to a staging folder first, then rename each into place (run.json last).

    A failure while writing (a full disk, a file-size limit, a stop signal) leaves the earlier
    results untouched; the renames run with stop signals held back, so an interruption never
    leaves half of one run beside half of another. Event logs of an earlier run that this run
    did not produce are removed, so a folder never mixes two runs.
    """
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    try:
        staged = []
        for path, data in files:
            tmp = staging / path.relative_to(out)
            atomic_write(tmp, data, make_parents=True)
            staged.append((tmp, path))
        for _, path in staged:  # every folder first, so a failure here publishes nothing
            path.parent.mkdir(parents=True, exist_ok=True)
        keep = {path for path, _ in files}
        try:
            _rename_all(out, staged, keep)
        except KeyboardInterrupt as exc:
            exc.published = out  # type: ignore[attr-defined]  # honoured only once all was renamed
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _rename_all(out: Path, staged: list[tuple[Path, Path]], keep: set[Path]) -> None:
    """Move the staged files into place with stop signals held back (re-raised after the last)."""
    with signals.deferred():
        manifest = out / "run.json"
        if manifest.exists():
            manifest.unlink()  # a folder without run.json is plainly unfinished, never "whole"
        events = out / "events"
        if events.is_dir():
            for old in events.glob("replication-*.jsonl"):
                if old not in keep:
                    old.unlink()
        for tmp, path in staged:
            os.replace(tmp, path)
