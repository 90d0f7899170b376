"""The folders a deck is built from, told apart by their files and each checked before it is read.

A run folder (``run.json`` + ``incidents.csv``) is read by the report's own ``build.gather``, so
it is refused exactly as ``incsim report`` refuses it and every figure is the report's. A review
(``review.json``) or calibration (``calibration.json``) folder is checked against the manifest
``incsim review -o`` / ``incsim calibrate -o`` wrote; a pilot (``pilot.json``, a file or a folder
holding one) and a robustness study (``robustness.json``) are sealed JSON, refused when edited.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from incsim.files import OutputError, check_seal, find_manifest, read_sealed_json
from incsim.report.build import ReportData, gather
from incsim.report.findings import pilot_curve
from incsim.report.results import ReportError, read_json


class PresentError(Exception):
    """The deck cannot be built from the folders given; the message is one line naming the place."""


KINDS = ("run", "review", "calibration", "pilot", "robustness")
# every folder incsim writes carries a sealed run.json, so a folder is told by its own data file first
_MARKERS = (
    ("review", "review.json"),
    ("calibration", "calibration.json"),
    ("robustness", "robustness.json"),
    ("run", "incidents.csv"),
    ("pilot", "pilot.json"),
)

# the robustness study's sealed shape: every list and the fields each of its entries must carry
ROBUSTNESS_SHAPE = {
    "parameters": ("path", "low", "high", "dist"),
    "comparisons": (
        "baseline",
        "alternative",
        "metric",
        "mean",
        "low",
        "high",
        "noise_low",
        "noise_high",
        "p_alternative_better",
    ),
    "sensitivity": ("baseline", "alternative", "metric", "parameter", "first_order", "total"),
    "flip_points": ("baseline", "alternative", "metric", "parameter", "value"),
}


@dataclass
class Inputs:
    """Everything a deck shows, gathered from its folders."""

    run: ReportData
    review: dict | None = None
    review_path: Path | None = None
    calibration: dict | None = None
    calibration_path: Path | None = None
    pilot: dict | None = None  # pilot.json as written by ``incsim pilot -o``
    pilot_path: Path | None = None
    robustness: dict | None = None
    robustness_path: Path | None = None

    @property
    def pilot_curve(self) -> dict | None:
        """Power by month from the pilot given (or the run folder's own pilot.json), as the report reads it."""
        if self.pilot is None:
            return self.run.pilot
        try:
            return pilot_curve(self.pilot)
        except ReportError as exc:
            raise PresentError(f"{self.pilot_path}: {exc}") from None


def kind_of(path: Path) -> str:
    """What ``path`` is (``run``, ``review``, ``calibration``, ``pilot``, ``robustness``), by its files."""
    if path.is_file() and path.name == "pilot.json":
        return "pilot"
    if not path.exists():
        raise PresentError(f"{path}: no such folder")
    if not path.is_dir():
        raise PresentError(f"{path}: not a folder an incsim command wrote (give a folder, or a pilot.json)")
    for kind, marker in _MARKERS:
        if (path / marker).is_file():
            return kind
    names = ", ".join(m for _, m in _MARKERS)
    raise PresentError(
        f"{path}: not an incsim run, review, calibration, pilot or robustness folder (none of {names})"
    )


def _json(path: Path) -> dict:
    try:
        return read_json(path, "an incsim output file")
    except ReportError as exc:
        raise PresentError(str(exc)) from None


def _checked_folder(folder: Path, name: str, command: str) -> dict:
    """``folder/name`` read after the folder's manifest vouches for it (sealed or ``calibrate``'s own)."""
    manifest = find_manifest(folder)
    if manifest is None:
        raise PresentError(f"{folder}: no manifest.json; write the folder with `{command} -o DIR`")
    try:
        check_seal(folder)
    except OutputError as exc:
        if "has no self_sha256" not in str(exc):
            raise PresentError(str(exc)) from None
        from incsim.calibrate.folder import verify_folder  # the listing ``write_folder`` writes

        try:
            verify_folder(folder)
        except OutputError as exc2:
            raise PresentError(str(exc2)) from None
    return _json(folder / name)


def _need(path: Path, data: dict, keys: tuple[str, ...], what: str) -> None:
    missing = [k for k in keys if k not in data]
    if missing:
        raise PresentError(f"{path}: missing {', '.join(missing)}; is this {what}?")


def read_review(folder: Path) -> dict:
    """``review.json`` of an ``incsim review -o`` folder, checked."""
    data = _checked_folder(folder, "review.json", "incsim review EXPORT")
    _need(folder / "review.json", data, ("months", "categories", "noise_band"), "an incsim review")
    if not isinstance(data["months"], list):
        raise PresentError(f"{folder / 'review.json'}: 'months' must be a list")
    return data


def read_calibration(folder: Path) -> dict:
    """``calibration.json`` of an ``incsim calibrate -o`` folder, checked."""
    data = _checked_folder(folder, "calibration.json", "incsim calibrate EXPORT")
    _need(folder / "calibration.json", data, ("export", "n", "groups", "arrivals"), "an incsim calibration")
    return data


def read_pilot(path: Path) -> dict:
    """A sealed ``pilot.json`` (the file, or the folder holding it), as the report checks it."""
    file = path if path.is_file() else path / "pilot.json"
    try:
        data = read_sealed_json(file, "incsim pilot -o output")
    except OutputError as exc:
        raise PresentError(str(exc)) from None
    if "power_by_month" not in data:
        raise PresentError(f"{file}: no 'power_by_month'; write it with `incsim pilot ... -o DIR`")
    return data


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def read_robustness(folder: Path) -> dict:
    """A robustness study's sealed ``robustness.json``, its four lists checked against the spec's shape."""
    file = folder / "robustness.json"
    if find_manifest(folder) is not None:
        # `incsim robustness` seals the folder: its manifest vouches for robustness.json
        try:
            check_seal(folder)
        except OutputError as exc:
            raise PresentError(str(exc)) from None
        data = _json(file)
    else:
        try:  # a study on its own must carry its own seal
            data = read_sealed_json(file, "the robustness study")
        except OutputError as exc:
            raise PresentError(str(exc)) from None
    for key, fields in ROBUSTNESS_SHAPE.items():
        rows = data.get(key)
        if not isinstance(rows, list):
            raise PresentError(f"{file}: '{key}' must be a list")
        for i, row in enumerate(rows):
            missing = [f for f in fields if not isinstance(row, dict) or f not in row]
            if missing:
                raise PresentError(f"{file}: {key}[{i}] lacks {', '.join(missing)}")
    for i, row in enumerate(data["comparisons"]):
        for f in ("mean", "low", "high", "p_alternative_better"):
            if not _number(row[f]):
                raise PresentError(f"{file}: comparisons[{i}].{f} must be a number")
    for i, row in enumerate(data["sensitivity"]):
        if not (_number(row["first_order"]) and _number(row["total"])):
            raise PresentError(f"{file}: sensitivity[{i}] needs numeric first_order and total")
    for i, row in enumerate(data["flip_points"]):
        if row["value"] is not None and not _number(row["value"]):
            raise PresentError(f"{file}: flip_points[{i}].value must be a number or null")
    return data


def gather_inputs(paths: list[Path | str]) -> Inputs:
    """Tell the folders apart, check each and read it; exactly one run folder is required."""
    found: dict[str, Path] = {}
    for raw in paths:
        path = Path(raw)
        kind = kind_of(path)
        if kind in found:
            raise PresentError(
                f"{path}: a second {kind} folder (the first is {found[kind]}); give one of each"
            )
        found[kind] = path
    if "run" not in found:
        raise PresentError(
            "no run folder among the folders given; a deck needs the folder `incsim run -o DIR` wrote"
        )
    readers = {
        "review": read_review,
        "calibration": read_calibration,
        "pilot": read_pilot,
        "robustness": read_robustness,
    }
    # the others first: they are quicker to read, and to refuse, than the run
    extra = {}
    for kind, read in readers.items():
        if kind in found:
            extra[kind], extra[f"{kind}_path"] = read(found[kind]), found[kind]
    try:
        run = gather(found["run"])
    except ReportError as exc:
        raise PresentError(str(exc)) from None
    return Inputs(run=run, **extra)
