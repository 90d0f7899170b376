"""``incsim report``: a self-contained HTML (or Markdown) report from an ``incsim run`` folder.

The lead registers the command with ``app.command("report")(report)``.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from incsim.output import atomic_write
from incsim.report import FORMATS, ReportError, build_report, render_report


class Format(str, Enum):
    html = "html"
    md = "md"


def output_path(results_dir: Path, out: Path | None, fmt: str) -> Path:
    """Where the report goes: ``out`` or ``results_dir/report.<fmt>``."""
    return out if out is not None else results_dir / f"report.{fmt}"


def write_report(results_dir: Path, out: Path | None = None, fmt: str | None = None) -> Path:
    """Render the report on ``results_dir`` and write it (with its chart files, for Markdown) atomically."""
    if fmt is None:
        fmt = "md" if out is not None and out.suffix.lower() in (".md", ".markdown") else "html"
    if fmt not in FORMATS:
        raise ReportError(f"unknown format '{fmt}' (html or md)")
    path = output_path(results_dir, out, fmt)
    report = render_report(results_dir, fmt, charts_dir=f"{path.stem}_charts")  # bad results fail first
    if path.is_dir():
        raise ReportError(f"{path}: is a folder; give a file name with -o")
    if not path.parent.is_dir():
        raise ReportError(f"{path.parent}: no such folder for the report")
    try:
        for rel, body in report.attachments.items():
            atomic_write(path.parent / rel, body, make_parents=True)
        atomic_write(path, report.text)
    except OSError as exc:
        raise ReportError(f"{path}: cannot write: {exc.strerror or exc}") from None
    return path


def report(
    results_dir: Annotated[Path, typer.Argument(
        help="A folder written by `incsim run -o DIR`.", metavar="RESULTS_DIR", show_default=False)],
    out: Annotated[Path | None, typer.Option(
        "-o", "--out", help="Report file (default: RESULTS_DIR/report.html, or report.md with --format md).")] = None,
    fmt: Annotated[Format | None, typer.Option(
        "--format", help="html: one self-contained file; md: Markdown with its charts as SVG files in "
                         "<name>_charts/ beside it. Default: from -o's suffix, else html.")] = None,
) -> None:
    """Write a report a VP can read in five minutes: headline with CIs, charts, assumptions, model."""
    try:
        path = write_report(results_dir, out, fmt.value if fmt is not None else None)
    except ReportError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(str(path))


__all__ = ["build_report", "report", "write_report"]
