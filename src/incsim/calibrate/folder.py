"""Writing a calibration, check or review folder: staged and sealed like every results folder
(``incsim.files``), its ``run.json`` listing every file with its size and sha256, so a reader can
tell whole from damaged."""

from __future__ import annotations

import json
import math
from pathlib import Path

from incsim.files import package_versions
from incsim.files import write_folder as write_sealed_folder


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


def write_folder(
    out: Path,
    files: dict[str, str],
    force: bool = False,
    command: list[str] | None = None,
    kind: str = "calibration",
) -> Path:
    """Write ``files`` (name -> text) into ``out`` with a sealed ``run.json`` of them (``kind``
    says which command wrote it), staged so that ``--force`` replaces an earlier folder whole;
    return the folder."""
    record = {"kind": kind, "command": command, "versions": package_versions()}
    write_sealed_folder(
        out, [(name, text.encode("utf-8")) for name, text in files.items()], record, force=force
    )
    return out


def verify_folder(out: Path) -> dict:
    """Check every file ``write_folder``'s manifest lists (present, same size, same sha256);
    return the manifest, or raise ``OutputError`` naming the first bad file."""
    from incsim.files import OutputError, sha256_bytes

    path = out / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OutputError(f"{path}: missing (write the folder again)") from None
    except (OSError, UnicodeDecodeError, ValueError):
        raise OutputError(f"{path}: damaged (not valid JSON; cut short or overwritten?)") from None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict):
        raise OutputError(f"{path}: damaged (no 'files' listing)")
    for name, entry in files.items():
        if not isinstance(entry, dict) or ".." in Path(name).parts or Path(name).is_absolute():
            raise OutputError(f"{path}: damaged (a malformed entry in 'files')")
        try:
            data = (out / name).read_bytes()
        except FileNotFoundError:
            raise OutputError(f"{out / name}: missing (listed in manifest.json)") from None
        except OSError as exc:
            raise OutputError(f"{out / name}: cannot read: {exc.strerror or exc}") from None
        if len(data) != entry.get("bytes") or sha256_bytes(data) != entry.get("sha256"):
            raise OutputError(
                f"{out / name}: damaged or from another run (its size or sha256 differs from manifest.json)"
            )
    return manifest
