"""Writing a calibration, check or review folder: staged and sealed like every results folder
(``incsim.files``), its ``run.json`` listing every file with its size and sha256, so a reader can
tell whole from damaged."""

from __future__ import annotations

import json
import math
from pathlib import Path

from incsim.output import package_versions
from incsim.output import write_folder as write_sealed_folder


def plain_json(value):
    """``value`` with NaN and infinities as None (JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_json(v) for v in value]
    return value


def dumps(value) -> str:
    """Stable, indented JSON text (keys in insertion order; NaN as null)."""
    return json.dumps(plain_json(value), indent=2, allow_nan=False) + "\n"


def write_folder(out: Path, files: dict[str, str], force: bool = False, command: list[str] | None = None,
                 kind: str = "calibration") -> Path:
    """Write ``files`` (name -> text) into ``out`` with a sealed ``run.json`` of them (``kind``
    says which command wrote it), staged so that ``--force`` replaces an earlier folder whole;
    return the folder."""
    record = {"kind": kind, "command": command, "versions": package_versions()}
    write_sealed_folder(out, [(name, text.encode("utf-8")) for name, text in files.items()], record, force=force)
    return out
