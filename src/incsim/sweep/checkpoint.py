"""Checkpoints: one sealed file per finished point, read back when the same sweep resumes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from incsim.experiment import draw_seed
from incsim.files import OutputError, read_sealed_json
from incsim.scenario.loader import scenario_sha256
from incsim.sweep.plan import Point, Sweep

POINTS_DIR = "points"
_CHECKPOINT = re.compile(r"point-\d+\.json")
_POINT_DIR = re.compile(r"point-\d+")


def canonical(value: Any) -> str:
    """``value`` as canonical JSON: what a checkpoint records of a point's overrides."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def checkpoint_path(out: Path, pid: int) -> Path:
    """Where point ``pid``'s checkpoint lives in ``out``."""
    return out / POINTS_DIR / f"point-{pid:03d}.json"


def point_dir(out: Path, pid: int) -> Path:
    """Where point ``pid``'s results folder (``incsim run``'s outputs for that scenario) lives in ``out``."""
    return out / POINTS_DIR / f"point-{pid:03d}"


def read_checkpoint(path: Path, sweep: Sweep, point: Point, seed: int) -> dict | None:
    """The finished point's record, None when it has no checkpoint yet; ``OutputError`` naming the
    file when the checkpoint is damaged or belongs to another sweep (a folder is never mixed)."""
    if not path.exists():
        return None
    rec = read_sealed_json(path, "the point's checkpoint")
    ok = (
        rec.get("sweep_sha256") == sweep.sha256
        and rec.get("seed") == seed
        and rec.get("replications") == sweep.replications
        and rec.get("point") == point.id
        and rec.get("overrides") == json.loads(canonical(point.overrides))
        and isinstance(rec.get("stats"), list)
        and isinstance(rec.get("diffs"), list)
    )
    if not ok:
        raise OutputError(
            f"{path}: a checkpoint of another sweep or seed (a mixed folder); "
            "pass --force to start over or choose another -o"
        )
    return rec


def _check_resumable(out: Path, sweep: Sweep) -> None:
    """Refuse to resume into a folder with foreign checkpoints (each one read is also checked
    against its seal). Only checkpoints are read back; every other output is written anew, and a
    missing checkpoint is simply computed again."""
    points = out / POINTS_DIR
    ids = {p.id for p in sweep.points}
    if points.is_dir():
        for f in sorted(points.iterdir()):
            m = _CHECKPOINT.fullmatch(f.name)
            if m and int(f.name[6:-5]) not in ids:
                raise OutputError(
                    f"{f}: not a point of this sweep (a mixed folder); "
                    "pass --force to start over or choose another -o"
                )


def prepare(sweep: Sweep, out: Path, force: bool) -> tuple[int, bool]:
    """Make ``out`` ready; the (seed, drawn) to use: from the manifest when resuming."""
    manifest_path = out / "sweep.json"
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder")
    if out.exists() and any(out.iterdir()) and not force:
        if not manifest_path.is_file():
            raise OutputError(
                f"{out}: folder is not empty and holds no sweep to resume; choose another -o or pass --force"
            )
        old = read_sealed_json(manifest_path, "the sweep manifest")
        try:
            old_sha, old_scn, seed = old["sweep_sha256"], old["scenario_sha256"], int(old["seed"])
        except (KeyError, TypeError, ValueError):
            raise OutputError(
                f"{manifest_path}: unreadable sweep manifest; pass --force to start over"
            ) from None
        if old_sha != sweep.sha256:
            raise OutputError(
                f"{out}: holds a sweep of a different sweep file (sha256 {old_sha[:12]}…, "
                f"this one {sweep.sha256[:12]}…); pass --force to start over or choose another -o"
            )
        if old_scn != scenario_sha256(sweep.loaded.text):
            raise OutputError(
                f"{out}: the scenario {sweep.loaded.source} changed since this sweep started; "
                "pass --force to start over or choose another -o"
            )
        _check_resumable(out, sweep)
        return seed, bool(old.get("seed_was_drawn", False))
    out.mkdir(parents=True, exist_ok=True)
    points = out / POINTS_DIR
    if force and points.is_dir():
        for stale in points.iterdir():  # only our own checkpoints and point folders: never the user's
            if _CHECKPOINT.fullmatch(stale.name):
                stale.unlink()
            elif _POINT_DIR.fullmatch(stale.name) and stale.is_dir() and not stale.is_symlink():
                shutil.rmtree(stale)
    if sweep.seed is not None:
        return sweep.seed, False
    return draw_seed(), True
